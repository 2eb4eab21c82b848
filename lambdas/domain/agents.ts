/** Creating, reading, listing and deleting agents. */
import type { Agent, AgentDetail } from '../../sdk/protocol/types';
import type { CreateAgentRequest } from '../../sdk/protocol/schemas';
import { toAgentDetail, toAgentView } from './agent-views';
import { mintKey } from './api-keys';
import { usageWindows, type Caller, type DomainContext } from './context';
import { AgentNotFoundError } from './errors';
import type { AgentRecord } from '../ports/records';
import { mapWithConcurrency } from './concurrency';
import { assertHardStopAllowed } from './hard-stop';
import { inWriteRegion } from './regions';
import { effectiveAgent, foldIn } from './stop-markers';
import type { AgentRepository } from '../ports/repository';

const EMPTY_USAGE = { intents: 0, costUsd: 0, succeeded: 0, failed: 0, denied: 0, wouldRefuse: 0 };

/**
 * Read a live agent (strongly consistent, this region's replica) as every gateway treats it
 * (its stop markers applied), or throw `AgentNotFoundError`.
 */
export const requireAgent = async (ctx: DomainContext, agentId: string, field?: string): Promise<AgentRecord> => {
  const agent = await ctx.repository.getAgent(agentId, { consistent: true });
  if (!agent || agent.deleted) throw new AgentNotFoundError(agentId, field);
  return effectiveAgent(agent);
};

export const createAgent = async (
  ctx: DomainContext,
  caller: Caller,
  request: CreateAgentRequest,
): Promise<{ agent: Agent; agentKey: string }> => {
  assertHardStopAllowed(ctx, request.policy, 'body.policy');
  return inWriteRegion(ctx, (writer) => createIn(ctx, writer, caller, request));
};

const createIn = async (
  ctx: DomainContext,
  writer: AgentRepository,
  caller: Caller,
  request: CreateAgentRequest,
): Promise<{ agent: Agent; agentKey: string }> => {
  const existing = await writer.getAgent(request.agentId, { consistent: true });
  const now = ctx.now().toISOString();
  const previousVersion = existing?.deleted ? existing.version : undefined;
  const agent: AgentRecord = {
    agentId: request.agentId,
    name: request.name ?? request.agentId,
    tags: [...new Set(request.tags ?? [])],
    status: 'active',
    version: (previousVersion ?? 0) + 1,
    statusChangedAt: now,
    statusChangedBy: caller.name,
    statusReason: null,
    policy: request.policy ?? {},
    createdAt: now,
    healthSince: now,
    lastChange: {
      type: 'agent_created',
      actor: caller.name,
      reason: null,
      at: now,
      fromStatus: null,
      toStatus: 'active',
      region: ctx.region,
    },
    deleted: false,
  };
  const { secret, record } = mintKey({ name: `agent:${agent.agentId}`, role: 'agent', agentId: agent.agentId, now: ctx.now() });
  await writer.createAgent(agent, record, previousVersion);
  return {
    agent: toAgentView(agent, [], EMPTY_USAGE, ctx.now()),
    agentKey: secret,
  };
};

/** The agent with its instances (each shows whether it holds a WebSocket connection, in any region). */
export const getAgent = async (ctx: DomainContext, agentId: string): Promise<AgentDetail> => {
  const agent = await requireAgent(ctx, agentId);
  const [instances, usage] = await Promise.all([
    ctx.repository.listInstances(agentId),
    ctx.repository.getUsage(agentId, usageWindows(ctx.now()).day),
  ]);
  return toAgentDetail(agent, instances, usage, ctx.now());
};

/** Live agents, optionally only those carrying every tag in `tags`. */
export const findAgents = async (ctx: DomainContext, tags: readonly string[] = []): Promise<AgentRecord[]> => {
  const [firstTag] = tags;
  const agents =
    firstTag === undefined
      ? await ctx.repository.listAgents()
      : await ctx.repository.getAgents(await ctx.repository.listAgentIdsByTag(firstTag));
  return agents
    .filter((a) => !a.deleted && tags.every((t) => a.tags.includes(t)))
    .sort((a, b) => a.agentId.localeCompare(b.agentId));
};

export const listAgents = async (ctx: DomainContext, tags: readonly string[] = []): Promise<Agent[]> => {
  const agents = await findAgents(ctx, tags);
  const now = ctx.now();
  const usage = await ctx.repository.getUsageOfAgents(
    agents.map((a) => a.agentId),
    usageWindows(now).day,
  );
  return mapWithConcurrency(agents, 16, async (agent) =>
    toAgentView(
      agent,
      await ctx.repository.listInstances(agent.agentId),
      usage.get(agent.agentId) ?? EMPTY_USAGE,
      now,
    ),
  );
};

/** Delete the agent: it becomes a tombstone (its audit trail stays) and its keys stop working. */
export const deleteAgent = async (ctx: DomainContext, caller: Caller, agentId: string): Promise<void> => {
  await inWriteRegion(ctx, async (writer) => {
    // Its stops become history first: the trail shows the kill, then the deletion.
    const stored = await foldIn(writer, agentId);
    if (!stored || stored.deleted) throw new AgentNotFoundError(agentId);
    await writer.deleteAgent(
      {
        ...stored,
        deleted: true,
        version: stored.version + 1,
        lastChange: {
          type: 'agent_deleted',
          actor: caller.name,
          reason: null,
          at: ctx.now().toISOString(),
          fromStatus: stored.status,
          toStatus: null,
          region: ctx.region,
        },
      },
      stored.version,
    );
  });
  const keys = await ctx.repository.listKeys();
  await Promise.all(keys.filter((k) => k.role === 'agent' && k.agentId === agentId).map((k) => ctx.repository.deleteKey(k)));
};

/** Intents and cost per UTC day, oldest first, for the last `days` days (today included). */
export const getUsageHistory = async (
  ctx: DomainContext,
  agentId: string,
  days: number,
): Promise<{ days: { day: string; intents: number; costUsd: number; succeeded: number; failed: number; denied: number; wouldRefuse: number }[] }> => {
  await requireAgent(ctx, agentId);
  const today = ctx.now();
  const windows = Array.from({ length: days }, (_, i) => new Date(today.getTime() - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
  const usage = await mapWithConcurrency(windows, 8, (day) => ctx.repository.getUsage(agentId, day));
  return {
    days: windows.map((day, i) => {
      const u = usage[i] ?? EMPTY_USAGE;
      return { day, intents: u.intents, costUsd: Math.round(u.costUsd * 1e6) / 1e6, succeeded: u.succeeded, failed: u.failed, denied: u.denied, wouldRefuse: u.wouldRefuse };
    }),
  };
};
