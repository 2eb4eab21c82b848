/**
 * Counting usage against an agent's budget across regions. Each region counts in counters of
 * its own (replicas settle concurrent writes to one item by last writer wins), so a region may
 * spend only what the others have not: the limit less their counts as replicated so far. The
 * write itself is conditional on that room, so concurrent calls in one region never overspend
 * it; two regions can overspend by what replication has not yet carried (about a second).
 */
import type { DomainContext } from './context';
import { usageWindows } from './context';
import type { UsageDelta, UsageLimits, UsageOutcome, UsageRoom } from '../ports/repository';

const hasLimits = (limits: UsageLimits): boolean =>
  limits.maxIntentsPerDay !== undefined || limits.maxIntentsPerHour !== undefined || limits.maxCostUsdPerDay !== undefined;

/** What the other regions counted in `window`. */
const countedElsewhere = async (ctx: DomainContext, agentId: string, window: string) => {
  const { all, own } = await ctx.repository.getUsageSplit(agentId, window);
  return { intents: all.intents - own.intents, costUsd: all.costUsd - own.costUsd };
};

/** The room each limit leaves this region, given what the others counted. */
export const roomInRegion = (
  limits: UsageLimits,
  elsewhere: { day: { intents: number; costUsd: number }; hour: { intents: number } },
): UsageRoom => ({
  ...(limits.maxIntentsPerDay !== undefined ? { dayIntents: limits.maxIntentsPerDay - elsewhere.day.intents } : {}),
  ...(limits.maxIntentsPerHour !== undefined ? { hourIntents: limits.maxIntentsPerHour - elsewhere.hour.intents } : {}),
  ...(limits.maxCostUsdPerDay !== undefined ? { dayCostUsd: limits.maxCostUsdPerDay - elsewhere.day.costUsd } : {}),
});

/** The limit a single call breaks by itself, before anything is written. */
export const limitPassedAlone = (room: UsageRoom, delta: UsageDelta): keyof UsageLimits | undefined => {
  const intents = delta.intents ?? 0;
  if (room.dayCostUsd !== undefined && (delta.costUsd ?? 0) > room.dayCostUsd) return 'maxCostUsdPerDay';
  if (room.dayIntents !== undefined && intents > room.dayIntents) return 'maxIntentsPerDay';
  if (room.hourIntents !== undefined && intents > room.hourIntents) return 'maxIntentsPerHour';
  return undefined;
};

/**
 * Count `delta` in the current day and hour windows; with limits, only if the regions together
 * keep to them. A refusal names the limit and writes nothing.
 */
export const recordUsage = async (ctx: DomainContext, agentId: string, delta: UsageDelta, limits: UsageLimits = {}): Promise<UsageOutcome> => {
  const windows = usageWindows(ctx.now());
  if (!hasLimits(limits)) {
    await ctx.repository.addUsage(agentId, windows, delta);
    return { ok: true };
  }
  const [day, hour] = await Promise.all([
    countedElsewhere(ctx, agentId, windows.day),
    limits.maxIntentsPerHour !== undefined ? countedElsewhere(ctx, agentId, windows.hour) : Promise.resolve({ intents: 0, costUsd: 0 }),
  ]);
  const room = roomInRegion(limits, { day, hour });
  const alone = limitPassedAlone(room, delta);
  if (alone) return { ok: false, limit: alone };
  const written = await ctx.repository.addUsage(agentId, windows, delta, room);
  if (written.ok) return written;
  if (written.window === 'hour') return { ok: false, limit: 'maxIntentsPerHour' };
  // The day's counters had no room: which of its limits, judged on every region's totals.
  const usage = await ctx.repository.getUsage(agentId, windows.day);
  if (limits.maxIntentsPerDay !== undefined && usage.intents + (delta.intents ?? 0) > limits.maxIntentsPerDay) return { ok: false, limit: 'maxIntentsPerDay' };
  if (limits.maxCostUsdPerDay !== undefined && (delta.costUsd ?? 0) > 0) return { ok: false, limit: 'maxCostUsdPerDay' };
  return { ok: false, limit: 'maxIntentsPerHour' };
};
