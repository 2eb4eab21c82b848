/**
 * The intents gateway: the agent asks before it acts, and the answer comes from a strongly
 * consistent read of its state, so a kill is enforced from the moment it is written, whatever
 * the agent's own code does with the signal.
 */
import { randomBytes } from 'node:crypto';
import type { IntentRequest, Policy } from '../../sdk/protocol/schemas';
import { remindInstance } from './announce-change';
import { recordUsage } from './budget';
import { requireAgent } from './agents';
import { usageWindows, type Caller, type DomainContext } from './context';
import { enforceBudgetBreach } from './policy-enforcement';
import {
  ActionDeniedError,
  AgentKilledError,
  AgentPausedError,
  BudgetExceededError,
  RecipientKilledError,
} from './errors';

/** `*` matches any run of characters; everything else is literal. */
export const globMatches = (pattern: string, value: string): boolean => {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
};

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

export const submitIntent = async (
  ctx: DomainContext,
  caller: Caller,
  agentId: string,
  request: IntentRequest,
): Promise<{ intentId: string }> => {
  const agent = await requireAgent(ctx, agentId);
  if (agent.status !== 'active') {
    // The instance asks to act, so it missed (or ignores) the stop: tell it again, best effort
    // (the refusal is the answer that matters; a failed post is reported by the notifier).
    await remindInstance(ctx, agent, request.instanceId).catch(() => false);
    if (agent.status === 'killed') throw new AgentKilledError(agentId, agent.statusReason);
    throw new AgentPausedError(agentId, agent.statusReason);
  }
  try {
    checkAction(agent.policy, request.action);
  } catch (error) {
    // Refused actions are counted, so operators see an agent probing its limits.
    await recordUsage(ctx, agentId, { denied: 1 });
    throw error;
  }
  if (request.to !== undefined && request.to !== agentId) {
    const recipient = await requireAgent(ctx, request.to, 'to');
    if (recipient.status !== 'active') throw new RecipientKilledError(request.to, recipient.status);
  }

  const budget = agent.policy.budget;
  const outcome = await recordUsage(
    ctx,
    agentId,
    { intents: 1, costUsd: request.costUsd ?? 0 },
    budget
      ? {
          ...(budget.maxIntentsPerDay !== undefined ? { maxIntentsPerDay: budget.maxIntentsPerDay } : {}),
          ...(budget.maxIntentsPerHour !== undefined ? { maxIntentsPerHour: budget.maxIntentsPerHour } : {}),
          ...(budget.maxCostUsdPerDay !== undefined ? { maxCostUsdPerDay: budget.maxCostUsdPerDay } : {}),
        }
      : undefined,
  );
  if (!outcome.ok && budget) {
    const windows = usageWindows(ctx.now());
    await enforceBudgetBreach(ctx, {
      agentId,
      policy: agent.policy,
      limit: outcome.limit,
      window: outcome.limit === 'maxIntentsPerHour' ? windows.hour : windows.day,
      trigger: `intent "${request.action}" from ${caller.name}`,
    });
    throw new BudgetExceededError(agentId, outcome.limit, budget.onBreach);
  }
  return { intentId: `int_${randomBytes(12).toString('hex')}` };
};
