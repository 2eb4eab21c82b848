/**
 * The hard stop for Lambda-hosted agents: on a kill, the agent's functions (named by its policy,
 * or put under it by the stack's `protect`) get a
 * reserved concurrency of 0 (AWS's emergency brake: no new invocation starts; the ones running
 * finish); on resume each gets back the setting it had. The previous setting is saved before
 * the brake goes on, so retries and repeated kills never lose it. Only the region that took the
 * change does this, so two regions never race to save "previous".
 */
import type { Policy } from '../../sdk/protocol/schemas';
import type { DomainContext } from './context';
import { ValidationError } from './errors';
import type { AgentRecord } from '../ports/records';
import type { FunctionThrottle, HardStopStore } from '../ports/hard-stop';

/**
 * Refuse a policy naming a function the stack may not brake: the consumer's role can change
 * only the allow-listed functions' concurrency, so anything else would fail at the first kill
 * (AccessDenied), long after the operator who set it has gone. `field` is where the policy sits
 * in the request (`body.policy` or `body`).
 */
export const assertHardStopAllowed = (ctx: DomainContext, policy: Policy | undefined, field: string): void => {
  const allowed = new Set(ctx.hardStopAllowList ?? []);
  (policy?.hardStop?.functions ?? []).forEach((functionArn, i) => {
    if (allowed.has(functionArn)) return;
    throw new ValidationError(
      `${field}.hardStop.functions.${i}: ${functionArn} is not a function this deployment may brake; ` +
        (allowed.size === 0
          ? 'none is allowed yet: add it to the stack\'s hardStopFunctionArns (HALT_HARD_STOP_FUNCTIONS locally) and deploy, or leave hardStop out'
          : `add it to the stack's hardStopFunctionArns (HALT_HARD_STOP_FUNCTIONS locally) and deploy, or name one of: ${[...allowed].join(', ')}`),
    );
  });
};

/** A function the brake could not set (or release), and why. */
export interface HardStopFailure {
  readonly functionArn: string;
  readonly error: string;
}

export type HardStopOutcome =
  | { action: 'braked' | 'released'; functions: string[]; failed: HardStopFailure[] }
  | { action: 'none' };

/** Detail type of the event the consumer puts on the bus when a brake failed. */
export const HARD_STOP_FAILED = 'HardStopFailed';

const reason = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Brake (on a kill) or release (on a resume) the agent's functions. Each function is tried on
 * its own: one that cannot be set (deleted, or not allowed) is reported in `failed` and the
 * others still are; nothing here throws for one function's sake, so a bad ARN never holds up
 * the stream (the caller alarms and records the failure).
 */
export const applyHardStop = async (
  ctx: DomainContext & { throttle: FunctionThrottle; store: HardStopStore },
  agent: AgentRecord,
): Promise<HardStopOutcome> => {
  if (agent.lastChange.region !== ctx.region) return { action: 'none' };
  const done: string[] = [];
  const failed: HardStopFailure[] = [];
  const attempt = async (functionArn: string, work: () => Promise<void>) => {
    try {
      await work();
      done.push(functionArn);
    } catch (error) {
      failed.push({ functionArn, error: reason(error) });
    }
  };
  if (agent.status === 'killed' && agent.lastChange.type === 'killed') {
    // The policy's functions, and those `protect` put under this agent.
    const functions = [...new Set([...(agent.policy.hardStop?.functions ?? []), ...(ctx.protectedFunctions?.[agent.agentId] ?? [])])];
    for (const functionArn of functions) {
      await attempt(functionArn, async () => {
        if (!(await ctx.store.getSavedConcurrency(agent.agentId, functionArn))) {
          await ctx.store.saveConcurrency(agent.agentId, functionArn, await ctx.throttle.getReservedConcurrency(functionArn));
        }
        await ctx.throttle.setReservedConcurrency(functionArn, 0);
      });
    }
    return functions.length > 0 ? { action: 'braked', functions: done, failed } : { action: 'none' };
  }
  if (agent.status === 'active' && agent.lastChange.type === 'resumed') {
    const saved = await ctx.store.listSavedConcurrency(agent.agentId);
    for (const { functionArn, previous } of saved) {
      await attempt(functionArn, async () => {
        if (previous === null) await ctx.throttle.clearReservedConcurrency(functionArn);
        else await ctx.throttle.setReservedConcurrency(functionArn, previous);
        await ctx.store.forgetConcurrency(agent.agentId, functionArn);
      });
    }
    return saved.length > 0 ? { action: 'released', functions: done, failed } : { action: 'none' };
  }
  return { action: 'none' };
};
