/**
 * The hard stop for Lambda-hosted agents: on a kill, the agent's named functions get a
 * reserved concurrency of 0 (AWS's emergency brake: no new invocation starts; the ones running
 * finish); on resume each gets back the setting it had. The previous setting is saved before
 * the brake goes on, so retries and repeated kills never lose it. Only the region that took the
 * change does this, so two regions never race to save "previous".
 */
import type { DomainContext } from './context';
import type { AgentRecord } from '../ports/records';
import type { FunctionThrottle, HardStopStore } from '../ports/hard-stop';

export type HardStopOutcome = { action: 'braked' | 'released'; functions: string[] } | { action: 'none' };

export const applyHardStop = async (
  ctx: DomainContext & { throttle: FunctionThrottle; store: HardStopStore },
  agent: AgentRecord,
): Promise<HardStopOutcome> => {
  if (agent.lastChange.region !== ctx.region) return { action: 'none' };
  if (agent.status === 'killed' && agent.lastChange.type === 'killed') {
    const functions = agent.policy.hardStop?.functions ?? [];
    for (const functionArn of functions) {
      if (!(await ctx.store.getSavedConcurrency(agent.agentId, functionArn))) {
        await ctx.store.saveConcurrency(agent.agentId, functionArn, await ctx.throttle.getReservedConcurrency(functionArn));
      }
      await ctx.throttle.setReservedConcurrency(functionArn, 0);
    }
    return functions.length > 0 ? { action: 'braked', functions } : { action: 'none' };
  }
  if (agent.status === 'active' && agent.lastChange.type === 'resumed') {
    const saved = await ctx.store.listSavedConcurrency(agent.agentId);
    for (const { functionArn, previous } of saved) {
      if (previous === null) await ctx.throttle.clearReservedConcurrency(functionArn);
      else await ctx.throttle.setReservedConcurrency(functionArn, previous);
      await ctx.store.forgetConcurrency(agent.agentId, functionArn);
    }
    return saved.length > 0 ? { action: 'released', functions: saved.map((s) => s.functionArn) } : { action: 'none' };
  }
  return { action: 'none' };
};
