/**
 * The budget across regions: a region may spend what the others have not (as replicated so
 * far); a call too big for what is left is refused without a write; a refused write names
 * the limit that refused it.
 */
import { limitPassedAlone, recordUsage, roomInRegion } from '../../../lambdas/domain/budget';
import type { DomainContext } from '../../../lambdas/domain/context';
import type { UsageRecord } from '../../../lambdas/ports/records';
import { memoryRepository } from '../../support/memory-repository';

const NOW = new Date('2026-12-02T09:05:00.000Z');
const usage = (intents: number, costUsd = 0): UsageRecord => ({ intents, costUsd, succeeded: 0, failed: 0, denied: 0, wouldRefuse: 0 });

/** This region's repository, with `elsewhere` counted by another region (day and hour alike). */
const regionWith = (elsewhere: UsageRecord) => {
  const repository = memoryRepository();
  const own = repository.getUsageSplit.bind(repository);
  const getUsage = repository.getUsage.bind(repository);
  repository.getUsageSplit = async (agentId, window) => {
    const split = await own(agentId, window);
    return { own: split.own, all: { ...split.all, intents: split.all.intents + elsewhere.intents, costUsd: split.all.costUsd + elsewhere.costUsd } };
  };
  repository.getUsage = async (agentId, window) => {
    const mine = await getUsage(agentId, window);
    return { ...mine, intents: mine.intents + elsewhere.intents, costUsd: mine.costUsd + elsewhere.costUsd };
  };
  const ctx: DomainContext = { repository, region: 'eu-west-1', now: () => NOW };
  return { ctx, repository };
};

describe('roomInRegion and limitPassedAlone', () => {
  it('leaves each limit less what the other regions counted', () => {
    expect(roomInRegion({ maxIntentsPerDay: 100, maxIntentsPerHour: 10, maxCostUsdPerDay: 5 }, { day: { intents: 60, costUsd: 1.5 }, hour: { intents: 4 } })).toEqual({
      dayIntents: 40,
      hourIntents: 6,
      dayCostUsd: 3.5,
    });
    expect(roomInRegion({}, { day: { intents: 60, costUsd: 1 }, hour: { intents: 4 } })).toEqual({});
  });

  it('names the limit one call passes by itself, cost first', () => {
    expect(limitPassedAlone({ dayCostUsd: 1, dayIntents: 0 }, { intents: 1, costUsd: 2 })).toBe('maxCostUsdPerDay');
    expect(limitPassedAlone({ dayIntents: 0, hourIntents: 5 }, { intents: 1 })).toBe('maxIntentsPerDay');
    expect(limitPassedAlone({ dayIntents: 5, hourIntents: 0 }, { intents: 1 })).toBe('maxIntentsPerHour');
    expect(limitPassedAlone({ dayIntents: 1, hourIntents: 1, dayCostUsd: 1 }, { intents: 1, costUsd: 1 })).toBeUndefined();
  });
});

describe('recordUsage', () => {
  it('counts without limits, and never refuses', async () => {
    const { ctx, repository } = regionWith(usage(1_000_000));
    expect(await recordUsage(ctx, 'a1', { intents: 1, costUsd: 0.5 })).toEqual({ ok: true });
    expect((await repository.getUsageSplit('a1', '2026-12-02')).own).toMatchObject({ intents: 1, costUsd: 0.5 });
  });

  it('spends only what the other region left: 3 of 10 left here when it counted 7', async () => {
    const { ctx, repository } = regionWith(usage(7));
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await recordUsage(ctx, 'a1', { intents: 1 }, { maxIntentsPerDay: 10 }));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false, false]);
    expect(outcomes[3]).toEqual({ ok: false, limit: 'maxIntentsPerDay' });
    // the refused calls wrote nothing
    expect((await repository.getUsageSplit('a1', '2026-12-02')).own.intents).toBe(3);
  });

  it('refuses a call whose cost alone is over what is left, without a write', async () => {
    const { ctx, repository } = regionWith(usage(0, 4));
    expect(await recordUsage(ctx, 'a1', { intents: 1, costUsd: 1.5 }, { maxCostUsdPerDay: 5 })).toEqual({ ok: false, limit: 'maxCostUsdPerDay' });
    expect((await repository.getUsageSplit('a1', '2026-12-02')).own).toMatchObject({ intents: 0, costUsd: 0 });
    expect(await recordUsage(ctx, 'a1', { intents: 1, costUsd: 0.5 }, { maxCostUsdPerDay: 5 })).toEqual({ ok: true });
    expect(await recordUsage(ctx, 'a1', { intents: 1, costUsd: 0.75 }, { maxCostUsdPerDay: 5 })).toEqual({ ok: false, limit: 'maxCostUsdPerDay' });
  });

  it('names the hour when the hour refused and the day had room', async () => {
    const { ctx } = regionWith(usage(0));
    const limits = { maxIntentsPerDay: 100, maxIntentsPerHour: 2 };
    expect((await recordUsage(ctx, 'a1', { intents: 1 }, limits)).ok).toBe(true);
    expect((await recordUsage(ctx, 'a1', { intents: 1 }, limits)).ok).toBe(true);
    expect(await recordUsage(ctx, 'a1', { intents: 1 }, limits)).toEqual({ ok: false, limit: 'maxIntentsPerHour' });
  });
});
