/**
 * The intents gateway: the agent asks before it acts, and the answer comes from strongly
 * consistent reads of its state and of the fleet's killed actions, so a kill is enforced from
 * the moment it is written, whatever the agent's own code does with the signal.
 *
 * Order of the rules: the agent's kill or pause, then fleet action kills (never shadowed),
 * then the policy's action lists, the recipient, approvals and the budget. A policy in
 * `shadow` mode admits what those last rules would refuse, with `wouldRefuse`.
 */
import { randomBytes } from 'node:crypto';
import type { IntentRequest, Policy } from '../../sdk/protocol/schemas';
import type { IntentResult } from '../../sdk/protocol/types';
import { remindInstance } from './announce-change';
import { needsApproval, requestApproval, useApproval } from './approvals';
import { recordUsage } from './budget';
import { requireAgent } from './agents';
import { usageWindows, type Caller, type DomainContext } from './context';
import { checkFleetActions } from './fleet-actions';
import { globMatches } from './globs';
import { enforceBudgetBreach } from './policy-enforcement';
import {
  ActionDeniedError,
  AgentKilledError,
  AgentPausedError,
  ApprovalRequiredError,
  BudgetExceededError,
  HaltError,
  PayloadTooLargeError,
  RecipientKilledError,
} from './errors';
import { INTENT_WOULD_BE_REFUSED } from '../ports/event-publisher';
import type { UsageLimits } from '../ports/repository';

/** An intent's payload, as JSON, at most (API.md: an approval holds it whole). */
export const MAX_INTENT_PAYLOAD_BYTES = 64 * 1024;

/** Deny wins; a non-empty allow-list refuses whatever it does not match. */
export const checkAction = (policy: Policy, action: string): void => {
  const deny = policy.actions?.deny ?? [];
  const hit = deny.find((p) => globMatches(p, action));
  if (hit) throw new ActionDeniedError(action, `deny "${hit}"`);
  const allow = policy.actions?.allow;
  if (allow && allow.length > 0 && !allow.some((p) => globMatches(p, action))) {
    throw new ActionDeniedError(action, 'not in the allow-list');
  }
};

const budgetLimits = (policy: Policy): UsageLimits | undefined => {
  const budget = policy.budget;
  if (!budget) return undefined;
  return {
    ...(budget.maxIntentsPerDay !== undefined ? { maxIntentsPerDay: budget.maxIntentsPerDay } : {}),
    ...(budget.maxIntentsPerHour !== undefined ? { maxIntentsPerHour: budget.maxIntentsPerHour } : {}),
    ...(budget.maxCostUsdPerDay !== undefined ? { maxCostUsdPerDay: budget.maxCostUsdPerDay } : {}),
  };
};

export const submitIntent = async (ctx: DomainContext, caller: Caller, agentId: string, request: IntentRequest): Promise<IntentResult> => {
  if (request.payload !== undefined) {
    const bytes = Buffer.byteLength(JSON.stringify(request.payload), 'utf8');
    if (bytes > MAX_INTENT_PAYLOAD_BYTES) {
      throw new PayloadTooLargeError(`payload: is ${bytes} bytes; the limit is ${MAX_INTENT_PAYLOAD_BYTES} (64 KiB): send a pointer to the data, not the data`);
    }
  }
  const [agent, fleet] = await Promise.all([requireAgent(ctx, agentId), ctx.repository.getFleetActions({ consistent: true })]);
  if (agent.status !== 'active') {
    // The instance asks to act, so it missed (or ignores) the stop: tell it again, best effort
    // (the refusal is the answer that matters; a failed post is reported by the notifier).
    await remindInstance(ctx, agent, request.instanceId).catch(() => false);
    if (agent.status === 'killed') throw new AgentKilledError(agentId, agent.statusReason);
    throw new AgentPausedError(agentId, agent.statusReason);
  }
  checkFleetActions(fleet, request.action);

  const shadow = agent.policy.mode === 'shadow';
  let wouldRefuse: HaltError | undefined;
  /** Enforce mode: the refusal. Shadow mode: noted, and the intent goes on. */
  const refuse = (error: HaltError): void => {
    if (!shadow) throw error;
    wouldRefuse ??= error;
  };

  try {
    checkAction(agent.policy, request.action);
  } catch (error) {
    // Refused actions are counted, so operators see an agent probing its limits.
    if (!shadow) await recordUsage(ctx, agentId, { denied: 1 });
    refuse(error as HaltError);
  }
  if (request.to !== undefined && request.to !== agentId) {
    const recipient = await requireAgent(ctx, request.to, 'to');
    if (recipient.status !== 'active') throw new RecipientKilledError(request.to, recipient.status);
  }

  const intentId = `int_${randomBytes(12).toString('hex')}`;
  if (needsApproval(agent, request.action)) {
    if (shadow) {
      // An approval rule in shadow mode creates no approval: it only says it would hold the call.
      wouldRefuse ??= new HaltError(403, 'approval_required', `action "${request.action}" needs an operator's approval (policy approval rule)`);
    } else if (request.approvalId === undefined) {
      const approval = await requestApproval(ctx, agentId, request);
      throw new ApprovalRequiredError(request.action, approval);
    } else {
      const outcome = await useApproval(ctx, agentId, { ...request, approvalId: request.approvalId }, intentId);
      if (outcome !== 'admitted') throw new ApprovalRequiredError(request.action, outcome);
    }
  }

  // One write counts the intent (and, in shadow mode, a refusal already noted).
  const admitted = { intents: 1, costUsd: request.costUsd ?? 0 };
  const outcome = await recordUsage(ctx, agentId, wouldRefuse ? { ...admitted, wouldRefuse: 1 } : admitted, budgetLimits(agent.policy));
  if (!outcome.ok && agent.policy.budget) {
    const exceeded = new BudgetExceededError(agentId, outcome.limit, agent.policy.budget.onBreach);
    if (shadow) {
      // Admitted, so counted like any admitted intent (the refused write wrote nothing);
      // nothing automatic happens.
      await recordUsage(ctx, agentId, { ...admitted, wouldRefuse: 1 });
      wouldRefuse ??= exceeded;
    } else {
      const windows = usageWindows(ctx.now());
      await enforceBudgetBreach(ctx, {
        agentId,
        policy: agent.policy,
        limit: outcome.limit,
        window: outcome.limit === 'maxIntentsPerHour' ? windows.hour : windows.day,
        trigger: `intent "${request.action}" from ${caller.name}`,
      });
      throw exceeded;
    }
  }
  if (!wouldRefuse) return { intentId };
  const refusal = wouldRefuse as HaltError;
  await ctx.publisher?.publish({
    detailType: INTENT_WOULD_BE_REFUSED,
    detail: { agentId, instanceId: request.instanceId, action: request.action, code: refusal.code },
    time: ctx.now(),
  });
  return { intentId, wouldRefuse: { code: refusal.code, message: `shadow mode: ${refusal.message}` } };
};
