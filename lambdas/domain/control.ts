/**
 * Kill, pause, resume and policy changes: every one a conditional write on `version`, made in
 * the write region (domain/regions.ts). A lost race is retried on fresh state (the operator's
 * intent still holds), unless the caller named the version it expected, in which case it
 * surfaces as `VersionConflictError`. Stop markers from other regions are folded into the
 * history before any change is made on top of them. When the write region does not answer, a
 * kill or pause becomes a stop marker in this region (domain/stop-markers.ts).
 */
import type { Policy } from '../../sdk/protocol/schemas';
import type { ControlResult } from '../../sdk/protocol/types';
import { planTransition, type ControlAction } from './agent-state';
import { findAgents, requireAgent } from './agents';
import { mapWithConcurrency } from './concurrency';
import type { DomainContext } from './context';
import { AgentNotFoundError, InvalidTransitionError, VersionConflictError, WriteRegionUnavailableError } from './errors';
import type { AgentRecord } from '../ports/records';
import { announceChange, announceElsewhere } from './announce-change';
import { assertHardStopAllowed } from './hard-stop';
import { confirmEnforcement, inWriteRegion, writeRegionOf, type Enforcement } from './regions';
import { foldIn } from './stop-markers';
import { retryOnConflict } from './retries';
import type { AgentRepository } from '../ports/repository';


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

/**
 * Run `write` in the write region on fresh state until it wins or the caller's expected version
 * is gone. Stop markers are folded first (`foldIn`): a change is always made on top of every
 * stop that came before it.
 */
const withRetries = <T>(
  ctx: DomainContext,
  agentId: string,
  expectedVersion: number | undefined,
  write: (agent: AgentRecord, writer: AgentRepository) => Promise<T>,
): Promise<T> =>
  inWriteRegion(ctx, (writer) => {
    const once = async (): Promise<T> => {
      const stored = await foldIn(writer, agentId);
      if (!stored || stored.deleted) throw new AgentNotFoundError(agentId);
      if (expectedVersion !== undefined && stored.version !== expectedVersion) {
        throw new VersionConflictError(agentId, expectedVersion, stored.version);
      }
      return write(stored, writer);
    };
    // A caller that named the version it expected gets the conflict, not a retry.
    return expectedVersion === undefined ? retryOnConflict(once) : once();
  });

/**
 * Fold the agent's stop markers into its history, in the write region (its stream consumer
 * calls this when a marker arrives). Resolves to the agent as stored after it; a lost race is
 * retried, since whoever won folded or will fold the markers too.
 */
export const foldStops = (ctx: DomainContext, agentId: string): Promise<AgentRecord | undefined> =>
  inWriteRegion(ctx, (writer) =>
    retryOnConflict(() => foldIn(writer, agentId)).catch((error: unknown) => {
      if (error instanceof AgentNotFoundError) return undefined;
      throw error;
    }),
  );

export interface StatusChangeOutcome extends Omit<ControlResult, 'enforcedIn' | 'pendingIn'> {
  /** The agent as it stands after the call (stop markers applied). */
  readonly agent: AgentRecord;
}

/**
 * Kill, pause or resume one agent: the conditional write in the write region (or, for a kill
 * or pause it cannot take, a stop marker here), then the one kill path (`announceChange`)
 * tells its instances at once. The stream consumer of every region is the safety net for what
 * this push misses.
 */
export const changeStatus = async (ctx: DomainContext, change: StatusChange, writeRegion?: WriteRegionState): Promise<StatusChangeOutcome> => {
  let outcome: Omit<StatusChangeOutcome, 'pushed'>;
  try {
    if (writeRegion?.down && change.action !== 'resume') throw new WriteRegionUnavailableError(writeRegionOf(ctx));
    outcome = await writeStatus(ctx, change);
  } catch (error) {
    if (!(error instanceof WriteRegionUnavailableError) || change.action === 'resume') throw error;
    if (writeRegion) writeRegion.down = true;
    outcome = await markStopped(ctx, change);
  }
  if (!(outcome.changed || change.repeatPush)) return { ...outcome, pushed: 0 };
  // This region's instances and the other regions' at once; a push elsewhere that fails is
  // left to that region's stream consumer and reminders.
  const [here, elsewhere] = await Promise.all([announceChange(ctx, outcome.agent), announceElsewhere(ctx, outcome.agent).catch(() => 0)]);
  return { ...outcome, pushed: here + elsewhere };
};

/**
 * What one call (a bulk change) has learnt of the write region: once it did not answer, the
 * call's other kills and pauses go straight to stop markers instead of each waiting out the
 * same timeout (about 3 s an agent).
 */
export interface WriteRegionState {
  down: boolean;
}

/**
 * A kill or pause, then the wait for every region to confirm it: what an operator's call
 * answers (`enforcedIn`, `pendingIn`). The pushes have gone out before the wait begins.
 */
export const changeStatusConfirmed = async (ctx: DomainContext, change: StatusChange, writeRegion?: WriteRegionState): Promise<StatusChangeOutcome & Enforcement> => {
  const outcome = await changeStatus(ctx, change, writeRegion);
  const unreachable = writeRegion?.down ? [writeRegionOf(ctx)] : [];
  return { ...outcome, ...(await confirmEnforcement(ctx, outcome.agentId, outcome.version, { unreachable })) };
};

/**
 * The write region did not answer: stop the agent with this region's marker, which this
 * region's gateway honours from now on and replication carries to the others.
 */
const markStopped = async (ctx: DomainContext, change: StatusChange): Promise<Omit<StatusChangeOutcome, 'pushed'>> => {
  const agent = await requireAgent(ctx, change.agentId);
  if (change.expectedVersion !== undefined && agent.version !== change.expectedVersion) {
    throw new VersionConflictError(change.agentId, change.expectedVersion, agent.version);
  }
  const plan = planTransition(agent.status, change.action);
  if (!plan.changed) return { agentId: agent.agentId, status: agent.status, version: agent.version, changed: false, agent };
  await ctx.repository.putStopMarker(change.agentId, {
    region: ctx.region,
    action: change.action === 'kill' ? 'kill' : 'pause',
    actor: change.actor,
    reason: change.reason,
    at: ctx.now().toISOString(),
    agentCreatedAt: agent.createdAt,
  });
  const after = await requireAgent(ctx, change.agentId);
  return { agentId: after.agentId, status: after.status, version: after.version, changed: true, agent: after };
};

const writeStatus = (ctx: DomainContext, change: StatusChange): Promise<Omit<StatusChangeOutcome, 'pushed'>> =>
  withRetries(ctx, change.agentId, change.expectedVersion, async (agent, writer) => {
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
    await writer.updateAgent(next, agent.version);
    return { agentId: next.agentId, status: next.status, version: next.version, changed: true, agent: next };
  });

/** Kill every live agent carrying all `tags`, or every agent when `all`. */
export const bulkKill = (
  ctx: DomainContext,
  options: { reason: string; actor: string; tags?: readonly string[]; all?: boolean },
): Promise<BulkKillResult> => bulkChange(ctx, { ...options, action: 'kill' });

export interface BulkKillResult {
  agents: ({ agentId: string; version: number; changed: boolean; pushed: number } & Enforcement)[];
  /** False when time ran out before every agent was changed: `remaining` lists the rest. */
  complete: boolean;
  /** Agents not yet changed (the same call again changes them; the ones done stay done). */
  remaining: string[];
}

/**
 * A bulk change starts no agent's change with less than this left: a change, its push and the
 * wait for every region to confirm it (`CONFIRM_WAIT_MS`) fit.
 */
export const BULK_MARGIN_MS = 6_000;

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
  const writeRegion: WriteRegionState = { down: false };
  const results = await mapWithConcurrency(targets, 16, async (agent) => {
    // Never half done silently: an agent not reached in time is named, not dropped.
    if (options.timeLeftMs && options.timeLeftMs() < BULK_MARGIN_MS) {
      remaining.push(agent.agentId);
      return [];
    }
    try {
      const result = await changeStatusConfirmed(ctx, { agentId: agent.agentId, action: options.action, reason: options.reason, actor: options.actor, repeatPush: true }, writeRegion);
      return [{ agentId: result.agentId, version: result.version, changed: result.changed, pushed: result.pushed, enforcedIn: result.enforcedIn, pendingIn: result.pendingIn }];
    } catch (error) {
      // Deleted between the listing and the change: there is nothing left to change.
      if (error instanceof AgentNotFoundError) return [];
      // A killed agent is not softened to paused by a bulk pause; its instances hear it is killed.
      if (error instanceof InvalidTransitionError) {
        const killed = await requireAgent(ctx, agent.agentId);
        const pushed = await announceChange(ctx, killed);
        const unreachable = writeRegion.down ? [writeRegionOf(ctx)] : [];
        return [{ agentId: killed.agentId, version: killed.version, changed: false, pushed, ...(await confirmEnforcement(ctx, killed.agentId, killed.version, { unreachable })) }];
      }
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
  return withRetries(ctx, options.agentId, options.expectedVersion, async (agent, writer) => {
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
    await writer.updateAgent(next, agent.version);
    return { policy: next.policy, version: next.version };
  });
};
