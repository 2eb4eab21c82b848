/** Shapes stored records into the `Agent` and `Instance` views of the public contract. */
import { effectiveAgent } from './stop-markers';
import type { Agent, AgentDetail, Instance } from '../../sdk/protocol/types';
import { healthFrom, isConnected, isIgnoringStop, lastSeenAt } from './agent-state';
import type { AgentRecord, InstanceRecord, UsageRecord } from '../ports/records';

const latest = (times: readonly string[]): string | null =>
  times.reduce<string | null>((max, t) => (max === null || t > max ? t : max), null);

/** Health from presence or the last heartbeat (a connected instance is heartbeating). */
const instanceHealth = (instance: InstanceRecord, now: Date) => healthFrom(lastSeenAt(instance, now), now);

export const toInstanceView = (agent: AgentRecord, instance: InstanceRecord, now: Date): Instance => ({
  instanceId: instance.instanceId,
  region: instance.region,
  health: instanceHealth(instance, now),
  lastHeartbeatAt: instance.lastHeartbeatAt,
  acknowledgedVersion: instance.acknowledgedVersion ?? null,
  connected: isConnected(instance, now),
  ignoringStop: isIgnoringStop(agent, instance, now),
});

export const toAgentView = (
  stored: AgentRecord,
  instances: readonly InstanceRecord[],
  usage: UsageRecord,
  now: Date,
): Agent => {
  // As the gateways treat it: a stop marker not yet folded already stops it.
  const agent = effectiveAgent(stored);
  const lastHeartbeatAt = latest(instances.map((i) => i.lastHeartbeatAt));
  // After a resume, an instance counts again once it has been heard from (its acknowledgement
  // of the resume does that): until then the agent's health is `unknown`.
  const since = agent.healthSince;
  const countedHeartbeat = latest(
    instances.filter((i) => since === undefined || i.lastHeartbeatAt >= since).map((i) => lastSeenAt(i, now)),
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
      healthy: instances.filter((i) => instanceHealth(i, now) === 'healthy').length,
      acknowledged: instances.filter((i) => i.acknowledgedVersion === agent.version).length,
      ignoring: instances.filter((i) => isIgnoringStop(agent, i, now)).length,
    },
    intentsToday: usage.intents,
    costTodayUsd: Math.round(usage.costUsd * 1e6) / 1e6,
    wouldRefuseToday: usage.wouldRefuse,
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
): AgentDetail => ({
  ...toAgentView(agent, instances, usage, now),
  instanceList: instances.map((i) => toInstanceView(effectiveAgent(agent), i, now)),
});
