/**
 * The one kill path: how a change of an agent's status reaches its instances. Operator kills,
 * bulk changes, automatic stops by a policy, the gateway refusing a stopped agent's intent and
 * the stream consumer's safety net all tell instances through here, and only here.
 */
import type { ActionKillMessage, AgentMessage, ApprovalDecisionMessage, ApprovalMessage, ControlMessage } from '../../sdk/protocol/messages';
import type { Approval } from '../../sdk/protocol/types';
import { mapWithConcurrency } from './concurrency';
import { toAgentView } from './agent-views';
import { usageWindows, type DomainContext } from './context';
import type { AgentRecord, FleetChange, InstanceRecord } from '../ports/records';
import type { ProgressTracker } from './progress';

const TYPE_OF_STATUS = { killed: 'kill', paused: 'pause', active: 'resume' } as const;

/** What an agent's connections are told about its current status. */
export const controlMessage = (agent: AgentRecord): ControlMessage => ({
  type: TYPE_OF_STATUS[agent.status],
  agentId: agent.agentId,
  version: agent.version,
  reason: agent.statusReason,
  actor: agent.statusChangedBy,
  at: agent.statusChangedAt,
});

/**
 * Tell every instance of the agent connected to this region where it now stands (but those
 * in `skipInstances`, which already acknowledged it). Resolves to how many connections it was
 * sent or handed to; 0 where the region has no WebSocket API.
 */
export const announceChange = async (
  ctx: DomainContext,
  agent: AgentRecord,
  options: { skipInstances?: ReadonlySet<string> } = {},
): Promise<number> => {
  if (!ctx.notifier || agent.deleted) return 0;
  return ctx.notifier.pushToAgent(agent.agentId, controlMessage(agent), options.skipInstances ? { skipInstances: options.skipInstances } : {});
};

/**
 * Tell the agent's instances connected to the other regions, straight to their regions'
 * management endpoints (each instance item carries its connection and region): they hear of
 * the change in about a cross-region round trip, before it has replicated there. Their
 * regions' stream consumers remain the safety net. Resolves to how many were sent.
 */
export const announceElsewhere = async (ctx: DomainContext, agent: AgentRecord): Promise<number> => {
  if (!ctx.peers || agent.deleted) return 0;
  const peers = new Set(ctx.peers.regions());
  const byRegion = new Map<string, string[]>();
  for (const instance of await ctx.repository.listInstances(agent.agentId)) {
    if (!instance.connectionId || instance.region === ctx.region || !peers.has(instance.region)) continue;
    byRegion.set(instance.region, [...(byRegion.get(instance.region) ?? []), instance.connectionId]);
  }
  const peerPushes = ctx.peers;
  const message = controlMessage(agent);
  const sent = await Promise.all([...byRegion].map(([region, connectionIds]) => peerPushes.push(region, connectionIds, message)));
  return sent.reduce((a, b) => a + b, 0);
};

/**
 * Tell this region's connections of the agent's `instances` that have not acknowledged its
 * current version (the stream's safety net, and the reminders); 0 when all have.
 */
export const announceToUnacknowledged = async (ctx: DomainContext, agent: AgentRecord, instances: readonly InstanceRecord[]): Promise<number> => {
  const told = new Set(instances.filter((i) => (i.acknowledgedVersion ?? -1) >= agent.version).map((i) => i.instanceId));
  return told.size < instances.length ? announceChange(ctx, agent, { skipInstances: told }) : 0;
};

/**
 * Tell one instance again: it asked to act although the agent is stopped, so it missed or
 * ignored the push. Its presence says which connection it holds; only this region's
 * connections can be posted to from here.
 */
export const remindInstance = async (ctx: DomainContext, agent: AgentRecord, instanceId: string): Promise<boolean> => {
  if (!ctx.notifier || agent.deleted) return false;
  const instance = await ctx.repository.getInstance(agent.agentId, instanceId);
  if (!instance?.connectionId || instance.region !== ctx.region) return false;
  return ctx.notifier.send(instance.connectionId, controlMessage(agent));
};

const STATUS_CHANGES = new Set(['killed', 'paused', 'resumed']);

/**
 * The stream's part, in every region, for each stored change: the safety net for this
 * region's instances (the region that took the change pushed to them at once, here or straight
 * from another region): those that have not acknowledged it are told again. Then watchers are
 * shown the agent as it now stands.
 */
export const announceStoredChange = async (ctx: DomainContext, after: AgentRecord, progress?: ProgressTracker): Promise<void> => {
  if (!ctx.notifier || after.deleted) return;
  if (STATUS_CHANGES.has(after.lastChange.type)) await announceToUnacknowledged(ctx, after, await ctx.repository.listInstances(after.agentId));
  await ctx.notifier.pushToWatchers(() => agentMessage(ctx, after, progress));
};

/**
 * Watchers see an agent as counts (`Agent`, never its instance list): a message stays the
 * same size at 10 instances or 10,000, far under API Gateway's 128 KiB.
 */
const agentMessage = async (ctx: DomainContext, agent: AgentRecord, progress?: ProgressTracker): Promise<AgentMessage> => {
  const [instances, usage] = await Promise.all([
    progress ? progress.instancesOf(ctx, agent.agentId, agent.version) : ctx.repository.listInstances(agent.agentId),
    ctx.repository.getUsage(agent.agentId, usageWindows(ctx.now()).day),
  ]);
  return { type: 'agent', agent: toAgentView(agent, instances, usage, ctx.now()) };
};

/**
 * "N of M stopped" as it moves: the agent's view (counts) for this region's watchers, built
 * only when someone watches. The stream consumer calls this once per agent per batch of
 * acknowledgements, so a thousand acknowledgements become a few messages a second, not a
 * thousand, each the same size whatever the number of instances; with a `ProgressTracker`,
 * the counts move by the batch's acknowledgements instead of a read of every instance.
 */
export const announceProgress = async (ctx: DomainContext, agentId: string, progress?: ProgressTracker): Promise<number> => {
  if (!ctx.notifier) return 0;
  return ctx.notifier.pushToWatchers(async () => {
    const agent = await ctx.repository.getAgent(agentId);
    if (!agent || agent.deleted) throw new Error(`agent ${agentId} is gone`);
    return agentMessage(ctx, agent, progress);
  });
};

/**
 * A fleet-wide action kill or lift, told to every connection in this region: each agent's
 * instances, and watchers. Resolves to how many agent connections it was sent or handed to.
 */
export const announceFleetChange = async (ctx: DomainContext, change: FleetChange): Promise<number> => {
  if (!ctx.notifier) return 0;
  const notifier = ctx.notifier;
  const message: ActionKillMessage = { type: change.type, action: change.action, reason: change.reason };
  const agents = await ctx.repository.listAgents();
  const sent = await mapWithConcurrency(agents, 16, (agent) => notifier.pushToAgent(agent.agentId, message));
  await notifier.pushToWatchers(message);
  return sent.reduce((a, b) => a + b, 0);
};

/** Approval statuses its agent is told of: the decision it may be waiting for. */
const TOLD_TO_AGENT = new Set(['approved', 'denied', 'expired', 'cancelled']);

/**
 * An approval as it now stands: its agent's instances in this region hear a decision
 * (`{type:"approval", approvalId, status}`, so a waiting intent goes on at once), watchers see
 * every change (`{type:"approval", approval}`).
 */
export const announceApproval = async (ctx: DomainContext, approval: Approval): Promise<void> => {
  if (!ctx.notifier) return;
  if (TOLD_TO_AGENT.has(approval.status)) {
    const decision: ApprovalDecisionMessage = { type: 'approval', approvalId: approval.approvalId, status: approval.status };
    await ctx.notifier.pushToAgent(approval.agentId, decision);
  }
  const view: ApprovalMessage = { type: 'approval', approval };
  await ctx.notifier.pushToWatchers(view);
};
