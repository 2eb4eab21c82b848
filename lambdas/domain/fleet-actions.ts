/**
 * One action killed across the fleet (API.md "Kill one action across the fleet"): a glob that
 * every gateway refuses for every agent, whatever its policy, until an operator lifts it.
 * The killed globs are one versioned item written in the write region (a conditional write on
 * its version, like an agent's), confirmed in every region's replica before the call answers;
 * the stream consumer audits each change in the fleet chain, puts it on the bus and pushes it
 * to every connection.
 */
import type { ActionKillResult, KilledAction } from '../../sdk/protocol/types';
import type { Caller, DomainContext } from './context';
import { ActionKilledError, ConflictError, NotFoundError, VersionConflictError } from './errors';
import { globMatches } from './globs';
import type { FleetActionsRecord } from '../ports/records';
import { confirmInEveryRegion, inWriteRegion } from './regions';

const MAX_ATTEMPTS = 10;
/** More globs than anyone should need; the item stays far under DynamoDB's 400 KB. */
export const MAX_KILLED_ACTIONS = 200;

/** The first fleet-wide kill that refuses `action`, if any. */
export const fleetKillOf = (fleet: FleetActionsRecord, action: string): KilledAction | undefined =>
  fleet.killed.find((kill) => globMatches(kill.action, action));

/** Throws `ActionKilledError` when a fleet-wide kill refuses `action`. */
export const checkFleetActions = (fleet: FleetActionsRecord, action: string): void => {
  const kill = fleetKillOf(fleet, action);
  if (kill) throw new ActionKilledError(action, kill);
};

/**
 * Change the killed globs in the write region: `change` returns the next list (and what it
 * did), or undefined for no change. A lost race is retried on fresh state.
 */
const changeFleet = (
  ctx: DomainContext,
  change: (fleet: FleetActionsRecord) => { next: FleetActionsRecord; entry: KilledAction } | { unchanged: KilledAction },
): Promise<{ entry: KilledAction; version: number; changed: boolean }> =>
  inWriteRegion(ctx, async (writer) => {
    for (let attempt = 1; ; attempt++) {
      const fleet = await writer.getFleetActions({ consistent: true });
      const outcome = change(fleet);
      if ('unchanged' in outcome) return { entry: outcome.unchanged, version: fleet.version, changed: false };
      try {
        await writer.putFleetActions(outcome.next, fleet.version);
        return { entry: outcome.entry, version: outcome.next.version, changed: true };
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  });

/** The regions whose replica holds the fleet item at `version` or later. */
const confirmFleet = (ctx: DomainContext, version: number) =>
  confirmInEveryRegion(ctx, async (repository) => (await repository.getFleetActions({ consistent: true })).version >= version);

/**
 * Refuse `action` (a glob) for every agent. Killing a glob already killed changes nothing and
 * answers the kill in force (its reason, actor and time).
 */
export const killAction = async (ctx: DomainContext, caller: Caller, options: { action: string; reason: string }): Promise<ActionKillResult> => {
  const at = ctx.now().toISOString();
  const outcome = await changeFleet(ctx, (fleet) => {
    const existing = fleet.killed.find((kill) => kill.action === options.action);
    if (existing) return { unchanged: existing };
    if (fleet.killed.length >= MAX_KILLED_ACTIONS) {
      throw new ConflictError(`action: at most ${MAX_KILLED_ACTIONS} globs can be killed fleet-wide at once; lift some first (POST /v1/actions/resume) or use a wider glob`);
    }
    const entry: KilledAction = { action: options.action, reason: options.reason, actor: caller.name, at };
    return {
      entry,
      next: {
        version: fleet.version + 1,
        killed: [...fleet.killed, entry],
        lastChange: { type: 'action_killed', action: options.action, actor: caller.name, reason: options.reason, at, region: ctx.region },
      },
    };
  });
  return { ...outcome.entry, ...(await confirmFleet(ctx, outcome.version)) };
};

/** Lift the fleet-wide kill of exactly `action` (the glob as it was killed). */
export const resumeAction = async (ctx: DomainContext, caller: Caller, options: { action: string; reason: string }): Promise<ActionKillResult> => {
  const at = ctx.now().toISOString();
  const outcome = await changeFleet(ctx, (fleet) => {
    if (!fleet.killed.some((kill) => kill.action === options.action)) {
      const killed = fleet.killed.map((kill) => `"${kill.action}"`).join(', ');
      throw new NotFoundError(`action: "${options.action}" is not killed fleet-wide${killed ? ` (killed: ${killed})` : ' (nothing is)'}; GET /v1/actions lists what is`);
    }
    return {
      entry: { action: options.action, reason: options.reason, actor: caller.name, at },
      next: {
        version: fleet.version + 1,
        killed: fleet.killed.filter((kill) => kill.action !== options.action),
        lastChange: { type: 'action_resumed', action: options.action, actor: caller.name, reason: options.reason, at, region: ctx.region },
      },
    };
  });
  return { ...outcome.entry, ...(await confirmFleet(ctx, outcome.version)) };
};

export const listKilledActions = async (ctx: DomainContext): Promise<{ killed: KilledAction[] }> => ({
  killed: (await ctx.repository.getFleetActions({ consistent: true })).killed,
});
