/**
 * The sweeper, run on a schedule: finds instances that keep heartbeating (or holding their
 * connection) after a kill or pause without acknowledging it, and reports each once per agent version on the event bus
 * (`InstanceIgnoringStop`), so someone is told. The gateway already refuses their intents.
 */
import { isIgnoringStop } from './agent-state';
import { expireApprovals } from './approvals';
import { isWriteRegion } from './regions';
import { mapWithConcurrency } from './concurrency';
import type { DomainContext } from './context';
import { INSTANCE_IGNORING_STOP, type EventPublisher } from '../ports/event-publisher';

export interface IgnoringInstance {
  agentId: string;
  instanceId: string;
  region: string;
  version: number;
  status: string;
  statusChangedAt: string;
  lastHeartbeatAt: string;
  acknowledgedVersion: number | null;
}

export interface SweepResult {
  /** Stopped agents looked at. */
  agentsChecked: number;
  /** Instances reported in this sweep (already-reported ones are not repeated). */
  reported: IgnoringInstance[];
  /** Approvals written expired in this sweep (the write region's sweeper only). */
  approvalsExpired: number;
}

export const sweep = async (ctx: DomainContext & { publisher: EventPublisher }): Promise<SweepResult> => {
  const stopped = (await ctx.repository.listAgents()).filter((a) => a.status !== 'active');
  const perAgent = await mapWithConcurrency(stopped, 8, async (agent) => {
    const instances = await ctx.repository.listInstances(agent.agentId);
    const reported: IgnoringInstance[] = [];
    for (const instance of instances) {
      if (!isIgnoringStop(agent, instance, ctx.now())) continue;
      if ((instance.ignoringReportedVersion ?? 0) >= agent.version) continue;
      const report: IgnoringInstance = {
        agentId: agent.agentId,
        instanceId: instance.instanceId,
        region: instance.region,
        version: agent.version,
        status: agent.status,
        statusChangedAt: agent.statusChangedAt,
        lastHeartbeatAt: instance.lastHeartbeatAt,
        acknowledgedVersion: instance.acknowledgedVersion ?? null,
      };
      // Publish first: a failure between the two repeats the report rather than losing it.
      await ctx.publisher.publish({ detailType: INSTANCE_IGNORING_STOP, detail: report, time: ctx.now() });
      if (await ctx.repository.markInstanceIgnoring(agent.agentId, instance.instanceId, agent.version)) reported.push(report);
    }
    return reported;
  });
  // Approvals past their time are written expired where approvals are written (fail closed:
  // the gateway already treats them as expired from `expiresAt` on).
  const approvalsExpired = isWriteRegion(ctx) ? await expireApprovals(ctx) : 0;
  return { agentsChecked: stopped.length, reported: perAgent.flat(), approvalsExpired };
};
