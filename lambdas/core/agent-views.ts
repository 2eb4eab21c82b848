/** Shapes stored records into the `Agent` and `Instance` views of the public contract. */
import type { Agent, AgentDetail, Instance } from '../../sdk/protocol/types';
import { healthFrom, isIgnoringStop } from './agent-state';
import type { AgentRecord, InstanceRecord, UsageRecord } from './records';

const latest = (times: readonly string[]): string | null =>
  times.reduce<string | null>((max, t) => (max === null || t > max ? t : max), null);

export const toInstanceView = (
  agent: AgentRecord,
  instance: InstanceRecord,
  now: Date,
  connected: ReadonlySet<string> = new Set(),
): Instance => ({
  instanceId: instance.instanceId,
  region: instance.region,
  health: healthFrom(instance.lastHeartbeatAt, now),
  lastHeartbeatAt: instance.lastHeartbeatAt,
  acknowledgedVersion: instance.acknowledgedVersion ?? null,
  connected: connected.has(instance.instanceId),
  ignoringStop: isIgnoringStop(agent, instance),
});

export const toAgentView = (
  agent: AgentRecord,
  instances: readonly InstanceRecord[],
  usage: UsageRecord,
  now: Date,
): Agent => {
  const lastHeartbeatAt = latest(instances.map((i) => i.lastHeartbeatAt));
  const since = agent.healthSince;
  const countedHeartbeat = latest(
    instances.map((i) => i.lastHeartbeatAt).filter((t) => since === undefined || t >= since),
  );
  return {
    agentId: agent.agentId,
    name: agent.name,
    tags: agent.tags,
    status: agent.status,
    health: healthFrom(countedHeartbeat, now),
    version: agent.version,
    statusChangedAt: agent.statusChangedAt,
    statusChangedBy: agent.statusChangedBy,
    statusReason: agent.statusReason,
    instances: {
      total: instances.length,
      healthy: instances.filter((i) => healthFrom(i.lastHeartbeatAt, now) === 'healthy').length,
      acknowledged: instances.filter((i) => i.acknowledgedVersion === agent.version).length,
      ignoring: instances.filter((i) => isIgnoringStop(agent, i)).length,
    },
    intentsToday: usage.intents,
    costTodayUsd: Math.round(usage.costUsd * 1e6) / 1e6,
    lastHeartbeatAt,
    policy: agent.policy,
    createdAt: agent.createdAt,
  };
};

export const toAgentDetail = (
  agent: AgentRecord,
  instances: readonly InstanceRecord[],
  usage: UsageRecord,
  now: Date,
  connected: ReadonlySet<string> = new Set(),
): AgentDetail => ({
  ...toAgentView(agent, instances, usage, now),
  instanceList: instances.map((i) => toInstanceView(agent, i, now, connected)),
});
