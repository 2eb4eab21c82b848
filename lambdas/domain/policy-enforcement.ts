/**
 * Policies that act on their own: a breached budget rejects, pauses or kills (actor
 * `policy:budget`) and is reported once per limit and window as `BudgetBreached`; a run of
 * failed units kills the agent (actor `policy:consecutive_failures`).
 */
import type { Policy } from '../../sdk/protocol/schemas';
import type { DomainContext } from './context';
import { changeStatus } from './control';
import type { UsageLimits } from '../ports/repository';
import type { AgentRecord } from '../ports/records';

export const BUDGET_BREACHED = 'BudgetBreached';
const TWO_DAYS = 2 * 86_400;

export interface BreachReport {
  agentId: string;
  limit: keyof UsageLimits;
  window: string;
  onBreach: 'reject' | 'pause' | 'kill';
  at: string;
  trigger: string;
}

/**
 * Apply the policy's answer to a breach of `limit` in `window`. Resolves to the agent as the
 * automatic pause or kill left it (undefined when the policy only rejects).
 */
export const enforceBudgetBreach = async (
  ctx: DomainContext,
  options: { agentId: string; policy: Policy; limit: keyof UsageLimits; window: string; trigger: string },
): Promise<AgentRecord | undefined> => {
  const budget = options.policy.budget;
  if (!budget) return undefined;
  const at = ctx.now();
  let after: AgentRecord | undefined;
  if (budget.onBreach !== 'reject') {
    after = await changeStatus(ctx, {
      agentId: options.agentId,
      action: budget.onBreach === 'kill' ? 'kill' : 'pause',
      reason: `budget ${options.limit} reached (${options.trigger})`,
      actor: 'policy:budget',
    }).then(
      (outcome) => outcome.agent,
      (error: unknown) => {
        // Pausing an agent that is killed meanwhile is no change to make.
        if (!(error instanceof Error && error.name === 'InvalidTransitionError')) throw error;
        return undefined;
      },
    );
  }
  // Published before it is marked: a publish that fails leaves no mark, so the next call that
  // meets the breach publishes again. An event can go out twice (two calls at once), never zero
  // times; the bus is at-least-once anyway, and (agentId, limit, window) identifies a breach.
  const breach = `${options.limit}#${options.window}`;
  if (ctx.publisher && !(await ctx.repository.isBreachMarked(options.agentId, breach))) {
    const detail: BreachReport = {
      agentId: options.agentId,
      limit: options.limit,
      window: options.window,
      onBreach: budget.onBreach,
      at: at.toISOString(),
      trigger: options.trigger,
    };
    await ctx.publisher.publish({ detailType: BUDGET_BREACHED, detail, time: at });
  }
  await ctx.repository.markBreach(options.agentId, breach, Math.floor(at.getTime() / 1000) + TWO_DAYS);
  return after;
};

/**
 * Count a report of units; kill the agent when its run of failures reaches the policy's limit.
 * Resolves to the agent as the kill left it (undefined when there was none).
 */
export const enforceConsecutiveFailures = async (
  ctx: DomainContext,
  options: { agentId: string; policy: Policy; succeeded: number; failed: number },
): Promise<AgentRecord | undefined> => {
  const limit = options.policy.autoKill?.consecutiveFailures;
  if (limit === undefined || (options.succeeded === 0 && options.failed === 0)) return undefined;
  const streak = await ctx.repository.updateFailureStreak(options.agentId, options);
  if (streak < limit) return undefined;
  const outcome = await changeStatus(ctx, {
    agentId: options.agentId,
    action: 'kill',
    reason: `${streak} consecutive failed units (limit ${limit})`,
    actor: 'policy:consecutive_failures',
  });
  return outcome.agent;
};
