/**
 * One action killed across the fleet (API.md "Kill one action across the fleet"): a glob that
 * every gateway refuses for every agent, whatever its policy, until an operator lifts it.
 *
 * The killed globs are one versioned item written in the write region (a conditional write on
 * its version, like an agent's), confirmed in every region's replica before the call answers;
 * the stream consumer audits each change in the fleet chain, puts it on the bus and pushes it
 * to every connection. As with an agent's kill, a kill still works with the write region
 * down: the calling region writes its fleet stop marker ("these globs are killed"), which
 * every gateway honours and the write region folds in when it is back (one version and one
 * audit event per glob). Lifting a kill needs the write region.
 */
import type { ActionKillResult, KilledAction } from '../../sdk/protocol/types';
import type { Caller, DomainContext } from './context';
import { ActionKilledError, ConflictError, NotFoundError, WriteRegionUnavailableError } from './errors';
import { globMatches } from './globs';
import type { FleetActionsRecord, FleetChange, FleetStopMarker } from '../ports/records';
import type { AgentRepository } from '../ports/repository';
import { confirmInEveryRegion, inWriteRegion, writeRegionOf } from './regions';
import { retryOnConflict } from './retries';

/** More globs than anyone should need; the item stays far under DynamoDB's 400 KB. */
export const MAX_KILLED_ACTIONS = 200;

/** The fleet item's next version: these globs, made by this change, the folded markers kept. */
const nextVersion = (
  fleet: FleetActionsRecord,
  killed: KilledAction[],
  lastChange: FleetChange,
  foldedStops: FleetActionsRecord['foldedStops'] = fleet.foldedStops,
): FleetActionsRecord => ({ version: fleet.version + 1, killed, lastChange, ...(foldedStops ? { foldedStops } : {}) });

/** Entries of the regions' markers the write region has not folded in yet. */
const unfoldedEntries = (fleet: FleetActionsRecord): { marker: FleetStopMarker; entry: KilledAction }[] =>
  (fleet.stops ?? [])
    .filter((marker) => marker.seq > (fleet.foldedStops?.[marker.region] ?? 0))
    .sort((a, b) => a.region.localeCompare(b.region))
    .flatMap((marker) => marker.killed.map((entry) => ({ marker, entry })));

/** The globs every gateway refuses: the fleet item's, and those of markers not yet folded in. */
export const effectiveKilled = (fleet: FleetActionsRecord): KilledAction[] => {
  const killed = [...fleet.killed];
  for (const { entry } of unfoldedEntries(fleet)) if (!killed.some((k) => k.action === entry.action)) killed.push(entry);
  return killed;
};

/** The first fleet-wide kill that refuses `action`, if any. */
export const fleetKillOf = (fleet: FleetActionsRecord, action: string): KilledAction | undefined =>
  effectiveKilled(fleet).find((kill) => globMatches(kill.action, action));

/** Throws `ActionKilledError` when a fleet-wide kill refuses `action`. */
export const checkFleetActions = (fleet: FleetActionsRecord, action: string): void => {
  const kill = fleetKillOf(fleet, action);
  if (kill) throw new ActionKilledError(action, kill);
};

/**
 * Fold the markers' globs into the fleet item, one version (and audit event) each, the last
 * write noting the markers as folded. Resolves to the item as stored after it. A lost race
 * raises `VersionConflictError` for the caller to retry.
 */
const foldFleetStops = async (writer: AgentRepository): Promise<FleetActionsRecord> => {
  let fleet = await writer.getFleetActions({ consistent: true });
  const pending = unfoldedEntries(fleet);
  if (pending.length === 0) return fleet;
  const folded = { ...(fleet.foldedStops ?? {}) };
  for (const { marker } of pending) folded[marker.region] = Math.max(folded[marker.region] ?? 0, marker.seq);
  const toAdd = pending.filter(({ entry }, i) => !fleet.killed.some((k) => k.action === entry.action) && pending.findIndex((p) => p.entry.action === entry.action) === i);
  if (toAdd.length === 0) {
    const next = { ...fleet, foldedStops: folded };
    await writer.putFleetActions(next, fleet.version);
    return next;
  }
  for (const [i, { marker, entry }] of toAdd.entries()) {
    const next = nextVersion(
      fleet,
      [...fleet.killed, entry],
      { type: 'action_killed', action: entry.action, actor: entry.actor, reason: entry.reason, at: entry.at, region: marker.region },
      i === toAdd.length - 1 ? folded : fleet.foldedStops,
    );
    await writer.putFleetActions(next, fleet.version);
    fleet = next;
  }
  return fleet;
};

/**
 * Change the killed globs in the write region, on top of every marker folded in: `change`
 * returns the next list (and what it did), or the entry in force for no change. A lost race is
 * retried on fresh state.
 */
const changeFleet = (
  ctx: DomainContext,
  change: (fleet: FleetActionsRecord) => { next: FleetActionsRecord; entry: KilledAction } | { unchanged: KilledAction },
): Promise<{ entry: KilledAction; version: number; changed: boolean }> =>
  inWriteRegion(ctx, (writer) =>
    retryOnConflict(async () => {
      const fleet = await foldFleetStops(writer);
      const outcome = change(fleet);
      if ('unchanged' in outcome) return { entry: outcome.unchanged, version: fleet.version, changed: false };
      await writer.putFleetActions(outcome.next, fleet.version);
      return { entry: outcome.entry, version: outcome.next.version, changed: true };
    }),
  );

/** The write region folds the markers in (its stream consumer calls this when one arrives). */
export const foldFleetMarkers = (ctx: DomainContext): Promise<FleetActionsRecord> => inWriteRegion(ctx, (writer) => retryOnConflict(() => foldFleetStops(writer)));

/** Each region's gateway refuses `action` (the glob itself, killed by the item or a marker). */
const confirmKilled = (ctx: DomainContext, action: string, options: { unreachable?: readonly string[] } = {}) =>
  confirmInEveryRegion(ctx, async (repository) => effectiveKilled(await repository.getFleetActions({ consistent: true })).some((k) => k.action === action), options);

/**
 * Refuse `action` (a glob) for every agent. Killing a glob already killed changes nothing and
 * answers the kill in force (its reason, actor and time).
 */
export const killAction = async (ctx: DomainContext, caller: Caller, options: { action: string; reason: string }): Promise<ActionKillResult> => {
  const at = ctx.now().toISOString();
  const entry: KilledAction = { action: options.action, reason: options.reason, actor: caller.name, at };
  try {
    const outcome = await changeFleet(ctx, (fleet) => {
      const existing = effectiveKilled(fleet).find((kill) => kill.action === options.action);
      if (existing) return { unchanged: existing };
      if (fleet.killed.length >= MAX_KILLED_ACTIONS) {
        throw new ConflictError(`action: at most ${MAX_KILLED_ACTIONS} globs can be killed fleet-wide at once; lift some first (POST /v1/actions/resume) or use a wider glob`);
      }
      return {
        entry,
        next: nextVersion(fleet, [...fleet.killed, entry], { type: 'action_killed', action: options.action, actor: caller.name, reason: options.reason, at, region: ctx.region }),
      };
    });
    return { ...outcome.entry, ...(await confirmKilled(ctx, options.action)) };
  } catch (error) {
    if (!(error instanceof WriteRegionUnavailableError)) throw error;
    // The write region did not answer: this region's marker kills it here now, and everywhere
    // replication reaches; the write region folds it in when it is back.
    const written = await markKilled(ctx, entry);
    return { ...written, ...(await confirmKilled(ctx, options.action, { unreachable: [writeRegionOf(ctx)] })) };
  }
};

/** Add `entry` to this region's fleet stop marker (the one in force, if the glob is killed already). */
const markKilled = (ctx: DomainContext, entry: KilledAction): Promise<KilledAction> =>
  retryOnConflict(async () => {
    const fleet = await ctx.repository.getFleetActions({ consistent: true });
    const existing = effectiveKilled(fleet).find((kill) => kill.action === entry.action);
    if (existing) return existing;
    const own = fleet.stops?.find((m) => m.region === ctx.region);
    // Globs of the marker already folded in are the fleet item's now (and may have been lifted):
    // a marker carries only what is not folded yet.
    const unfolded = own && own.seq > (fleet.foldedStops?.[ctx.region] ?? 0) ? own.killed : [];
    await ctx.repository.putFleetStopMarker({ region: ctx.region, seq: (own?.seq ?? 0) + 1, killed: [...unfolded, entry] }, own?.seq ?? 0);
    return entry;
  });

/** Lift the fleet-wide kill of exactly `action` (the glob as it was killed). Needs the write region. */
export const resumeAction = async (ctx: DomainContext, caller: Caller, options: { action: string; reason: string }): Promise<ActionKillResult> => {
  const at = ctx.now().toISOString();
  const outcome = await changeFleet(ctx, (fleet) => {
    if (!fleet.killed.some((kill) => kill.action === options.action)) {
      const killed = fleet.killed.map((kill) => `"${kill.action}"`).join(', ');
      throw new NotFoundError(`action: "${options.action}" is not killed fleet-wide${killed ? ` (killed: ${killed})` : ' (nothing is)'}; GET /v1/actions lists what is`);
    }
    return {
      entry: { action: options.action, reason: options.reason, actor: caller.name, at },
      next: nextVersion(
        fleet,
        fleet.killed.filter((kill) => kill.action !== options.action),
        { type: 'action_resumed', action: options.action, actor: caller.name, reason: options.reason, at, region: ctx.region },
      ),
    };
  });
  const lifted = await confirmInEveryRegion(ctx, async (repository) => (await repository.getFleetActions({ consistent: true })).version >= outcome.version);
  return { ...outcome.entry, ...lifted };
};

export const listKilledActions = async (ctx: DomainContext): Promise<{ killed: KilledAction[] }> => ({
  killed: effectiveKilled(await ctx.repository.getFleetActions({ consistent: true })),
});
