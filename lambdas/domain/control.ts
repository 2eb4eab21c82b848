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
import type { AgentRecord } from '../ports/records';
import { announceChange } from './announce-change';
import { assertHardStopAllowed } from './hard-stop';

const MAX_ATTEMPTS = 10;

export interface StatusChange {
  readonly agentId: string;
  readonly action: ControlAction;
  readonly reason: string;
  /** Key name, or `policy:<rule>` for automatic actions. */
  readonly actor: string;
  readonly expectedVersion?: number;
  /**
   * Tell the instances again when the agent is already where the change would put it (an
   * operator killing a killed agent). Automatic actions leave it off: a stopped agent's
   * every failure report would otherwise repeat the push to all its instances.
   */
  readonly repeatPush?: boolean;
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

export interface StatusChangeOutcome extends ControlResult {
  /** The agent as it stands after the call. */
  readonly agent: AgentRecord;
}

/**
 * Kill, pause or resume one agent: the conditional write, then the one kill path
 * (`announceChange`) tells its instances in this region at once. The stream consumer of every
 * region is the safety net for what this push misses.
 */
export const changeStatus = async (ctx: DomainContext, change: StatusChange): Promise<StatusChangeOutcome> => {
  const outcome = await writeStatus(ctx, change);
  const pushed = outcome.changed || change.repeatPush ? await announceChange(ctx, outcome.agent) : 0;
  return { ...outcome, pushed };
};

const writeStatus = (ctx: DomainContext, change: StatusChange): Promise<Omit<StatusChangeOutcome, 'pushed'>> =>
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
  agents: { agentId: string; version: number; changed: boolean; pushed: number }[];
  /** False when time ran out before every agent was changed: `remaining` lists the rest. */
  complete: boolean;
  /** Agents not yet changed (the same call again changes them; the ones done stay done). */
  remaining: string[];
}

/** A bulk change starts no agent's change with less than this left: a change and its push fit. */
export const BULK_MARGIN_MS = 3_000;

/**
 * Kill, pause or resume every live agent carrying all `tags`, or every agent when `all`: one
 * versioned change (and one audit event) per agent that changes. Pausing skips killed agents.
 * With `timeLeftMs`, agents not started before the invocation's end nears are answered as
 * `remaining` (complete: false); calling again finishes them.
 */
export const bulkChange = async (
  ctx: DomainContext,
  options: {
    action: ControlAction;
    reason: string;
    actor: string;
    tags?: readonly string[];
    all?: boolean;
    /** What the invocation has left: no change starts with less than `BULK_MARGIN_MS`. */
    timeLeftMs?: () => number;
  },
): Promise<BulkKillResult> => {
  const targets = await findAgents(ctx, options.all ? [] : (options.tags ?? []));
  const remaining: string[] = [];
  const results = await mapWithConcurrency(targets, 16, async (agent) => {
    // Never half done silently: an agent not reached in time is named, not dropped.
    if (options.timeLeftMs && options.timeLeftMs() < BULK_MARGIN_MS) {
      remaining.push(agent.agentId);
      return [];
    }
    try {
      const result = await changeStatus(ctx, { agentId: agent.agentId, action: options.action, reason: options.reason, actor: options.actor, repeatPush: true });
      return [{ agentId: result.agentId, version: result.version, changed: result.changed, pushed: result.pushed }];
    } catch (error) {
      // Deleted between the listing and the change: there is nothing left to change.
      if (error instanceof AgentNotFoundError) return [];
      // A killed agent is not softened to paused by a bulk pause; its instances hear it is killed.
      if (error instanceof InvalidTransitionError) return [{ agentId: agent.agentId, version: agent.version, changed: false, pushed: await announceChange(ctx, agent) }];
      throw error;
    }
  });
  return { agents: results.flat(), complete: remaining.length === 0, remaining: remaining.sort() };
};

/** Replace the agent's policy (a versioned, audited change). */
export const setPolicy = async (
  ctx: DomainContext,
  options: { agentId: string; policy: Policy; actor: string; expectedVersion?: number },
): Promise<{ policy: Policy; version: number }> => {
  assertHardStopAllowed(ctx, options.policy, 'body');
  return withRetries(ctx, options.agentId, options.expectedVersion, async (agent) => {
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
};
