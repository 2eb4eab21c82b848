/**
 * Heartbeats: register or refresh the instance, count the metrics it reports, and answer what
 * the agent should be doing. A killed or paused agent still gets an answer: that is how it
 * learns to stop. Over the WebSocket the instance is already present by its connection, so a
 * heartbeat there writes nothing but the metrics it carries.
 */
import type { HeartbeatRequest } from '../../sdk/protocol/schemas';
import type { HeartbeatResult } from '../../sdk/protocol/types';
import { requireAgent } from './agents';
import { recordUsage } from './budget';
import { usageWindows, type DomainContext } from './context';
import { enforceBudgetBreach, enforceConsecutiveFailures } from './policy-enforcement';
import type { AgentRecord } from '../ports/records';

export const recordHeartbeat = async (
  ctx: DomainContext,
  agentId: string,
  request: HeartbeatRequest,
  options: { present?: boolean } = {},
): Promise<HeartbeatResult> => {
  const agent = await requireAgent(ctx, agentId);
  const now = ctx.now();
  const metrics = request.metrics;
  const hasMetrics = metrics !== undefined && ((metrics.succeeded ?? 0) > 0 || (metrics.failed ?? 0) > 0 || (metrics.costUsd ?? 0) > 0);
  await Promise.all([
    options.present
      ? Promise.resolve()
      : ctx.repository.putInstance({
          agentId,
          instanceId: request.instanceId,
          region: request.region ?? ctx.region,
          firstSeenAt: now.toISOString(),
          lastHeartbeatAt: now.toISOString(),
          ...(request.acknowledgedVersion !== undefined ? { acknowledgedVersion: request.acknowledgedVersion } : {}),
        }),
    hasMetrics
      ? recordUsage(ctx, agentId, {
          succeeded: metrics.succeeded ?? 0,
          failed: metrics.failed ?? 0,
          costUsd: metrics.costUsd ?? 0,
        })
      : Promise.resolve(),
  ]);
  if (hasMetrics) {
    const windows = usageWindows(now);
    const maxCost = agent.policy.budget?.maxCostUsdPerDay;
    let stopped: AgentRecord | undefined;
    if (maxCost !== undefined && (metrics.costUsd ?? 0) > 0) {
      const usage = await ctx.repository.getUsage(agentId, windows.day);
      if (usage.costUsd > maxCost) {
        stopped = await enforceBudgetBreach(ctx, { agentId, policy: agent.policy, limit: 'maxCostUsdPerDay', window: windows.day, trigger: `cost reported by ${request.instanceId}` });
      }
    }
    stopped = (await enforceConsecutiveFailures(ctx, { agentId, policy: agent.policy, succeeded: metrics.succeeded ?? 0, failed: metrics.failed ?? 0 })) ?? stopped;
    if (stopped && !stopped.deleted && stopped.version !== agent.version) {
      // The report itself stopped the agent (in the write region, or by this region's marker):
      // answer with where it stands now, not with what this replica may not hold yet.
      return {
        status: stopped.status,
        version: stopped.version,
        ...(stopped.status !== 'active' && stopped.statusReason ? { reason: stopped.statusReason } : {}),
        failMode: stopped.policy.failMode ?? 'closed',
      };
    }
  }
  return {
    status: agent.status,
    version: agent.version,
    ...(agent.status !== 'active' && agent.statusReason ? { reason: agent.statusReason } : {}),
    failMode: agent.policy.failMode ?? 'closed',
  };
};

/**
 * An instance says it has stopped (or resumed) at `version`: one conditional write on its
 * item, nothing read. A thousand instances acknowledging a kill at once cost a thousand small
 * writes; watchers see the count move through the stream consumer, which coalesces them
 * (one view per agent per batch), never a view rebuilt per acknowledgement.
 */
export const acknowledge = async (
  ctx: DomainContext,
  options: { agentId: string; instanceId: string; version: number },
): Promise<{ moved: boolean }> => ({
  moved: await ctx.repository.acknowledgeInstance({ ...options, at: ctx.now().toISOString() }),
});
