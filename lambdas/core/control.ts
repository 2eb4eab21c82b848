/**
 * Kill, pause, resume and policy changes: every one a conditional write on `version`. A lost
 * race is retried on fresh state (the operator's intent still holds), unless the caller named
 * the version it expected, in which case it surfaces as `VersionConflictError`.
 */
import type { Policy } from '../../sdk/protocol/schemas';
import type { ControlResult } from '../../sdk/protocol/types';
import { planTransition, type ControlAction } from './agent-state';
import { findAgents, requireAgent } from './agents';
import { mapWithConcurrency } from './concurrency';
import type { DomainContext } from './context';
import { AgentNotFoundError, InvalidTransitionError, VersionConflictError } from './errors';
import type { AgentRecord } from './records';

const MAX_ATTEMPTS = 10;

export interface StatusChange {
  readonly agentId: string;
  readonly action: ControlAction;
  readonly reason: string;
  /** Key name, or `policy:<rule>` for automatic actions. */
  readonly actor: string;
  readonly expectedVersion?: number;
}

const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

/** Run `write` on fresh state until it wins or the caller's expected version is gone. */
const withRetries = async <T>(
  ctx: DomainContext,
  agentId: string,
  expectedVersion: number | undefined,
  write: (agent: AgentRecord) => Promise<T>,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    const agent = await requireAgent(ctx, agentId);
    if (expectedVersion !== undefined && agent.version !== expectedVersion) {
      throw new VersionConflictError(agentId, expectedVersion, agent.version);
    }
    try {
      return await write(agent);
    } catch (error) {
      if (!(error instanceof VersionConflictError) || expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
};

export interface StatusChangeOutcome extends Omit<ControlResult, 'pushed'> {
  /** The agent as it stands after the call (to tell its connections). */
  readonly agent: AgentRecord;
}

/** Kill, pause or resume one agent. */
export const changeStatus = async (ctx: DomainContext, change: StatusChange): Promise<StatusChangeOutcome> =>
  withRetries(ctx, change.agentId, change.expectedVersion, async (agent) => {
    const plan = planTransition(agent.status, change.action);
    if (!plan.changed) return { agentId: agent.agentId, status: agent.status, version: agent.version, changed: false, agent };
    const at = ctx.now().toISOString();
    const next: AgentRecord = {
      ...agent,
      status: plan.toStatus,
      version: agent.version + 1,
      statusChangedAt: at,
      statusChangedBy: change.actor,
      statusReason: change.reason,
      ...(change.action === 'resume' ? { healthSince: at } : {}),
      lastChange: {
        type: plan.eventType,
        actor: change.actor,
        reason: change.reason,
        at,
        fromStatus: agent.status,
        toStatus: plan.toStatus,
        region: ctx.region,
      },
    };
    await ctx.repository.updateAgent(next, agent.version);
    return { agentId: next.agentId, status: next.status, version: next.version, changed: true, agent: next };
  });

/** Kill every live agent carrying all `tags`, or every agent when `all`. */
export const bulkKill = (
  ctx: DomainContext,
  options: { reason: string; actor: string; tags?: readonly string[]; all?: boolean },
): Promise<BulkKillResult> => bulkChange(ctx, { ...options, action: 'kill' });

export interface BulkKillResult {
  agents: { agentId: string; version: number; changed: boolean }[];
  /** The killed agents as they stand (to tell their connections). */
  records: AgentRecord[];
}

/**
 * Kill, pause or resume every live agent carrying all `tags`, or every agent when `all`: one
 * versioned change (and one audit event) per agent that changes. Pausing skips killed agents.
 */
export const bulkChange = async (
  ctx: DomainContext,
  options: { action: ControlAction; reason: string; actor: string; tags?: readonly string[]; all?: boolean },
): Promise<BulkKillResult> => {
  const targets = await findAgents(ctx, options.all ? [] : (options.tags ?? []));
  const results = await mapWithConcurrency(targets, 8, async (agent) => {
    try {
      const result = await changeStatus(ctx, { agentId: agent.agentId, action: options.action, reason: options.reason, actor: options.actor });
      return [{ entry: { agentId: result.agentId, version: result.version, changed: result.changed }, record: result.agent }];
    } catch (error) {
      // Deleted between the listing and the change: there is nothing left to change.
      if (error instanceof AgentNotFoundError) return [];
      // A killed agent is not softened to paused by a bulk pause.
      if (error instanceof InvalidTransitionError) return [{ entry: { agentId: agent.agentId, version: agent.version, changed: false }, record: agent }];
      throw error;
    }
  });
  const flat = results.flat();
  return { agents: flat.map((r) => r.entry), records: flat.map((r) => r.record) };
};

/** Replace the agent's policy (a versioned, audited change). */
export const setPolicy = async (
  ctx: DomainContext,
  options: { agentId: string; policy: Policy; actor: string; expectedVersion?: number },
): Promise<{ policy: Policy; version: number }> =>
  withRetries(ctx, options.agentId, options.expectedVersion, async (agent) => {
    const at = ctx.now().toISOString();
    const next: AgentRecord = {
      ...agent,
      policy: options.policy,
      version: agent.version + 1,
      lastChange: {
        type: 'policy_changed',
        actor: options.actor,
        reason: null,
        at,
        fromStatus: agent.status,
        toStatus: agent.status,
        region: ctx.region,
      },
    };
    await ctx.repository.updateAgent(next, agent.version);
    return { policy: next.policy, version: next.version };
  });
