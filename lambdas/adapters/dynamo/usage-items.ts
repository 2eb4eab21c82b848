/**
 * Usage counters: per agent, window (day or hour) and region, so no two regions ever write
 * the same item. The budget's arithmetic (what the other regions leave this one, which limit
 * refused) is the domain's (`domain/budget.ts`); here a write adds to this region's counters
 * only while they stay within the room it is given.
 */
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../domain/concurrency';
import type { UsageRecord } from '../../ports/records';
import type { AgentRepository, UsageDelta, UsageRoom, UsageWrite } from '../../ports/repository';
import { cancellationCodes, DAY_SECONDS, type Item, type TableAccess } from './table-access';
import { keys, PREFIX } from './table-schema';

/** Daily usage is kept for a month (cost over time), hourly for two days. */
const USAGE_DAY_TTL = 35 * DAY_SECONDS;
const USAGE_HOUR_TTL = 2 * DAY_SECONDS;

const toUsage = (item: Item | undefined): UsageRecord => ({
  intents: item?.intents ?? 0,
  costUsd: item?.costUsd ?? 0,
  succeeded: item?.succeeded ?? 0,
  failed: item?.failed ?? 0,
  denied: item?.denied ?? 0,
  wouldRefuse: item?.wouldRefuse ?? 0,
});

const sum = (records: readonly UsageRecord[]): UsageRecord =>
  records.reduce(
    (total, u) => ({
      intents: total.intents + u.intents,
      costUsd: total.costUsd + u.costUsd,
      succeeded: total.succeeded + u.succeeded,
      failed: total.failed + u.failed,
      denied: total.denied + u.denied,
      wouldRefuse: total.wouldRefuse + u.wouldRefuse,
    }),
    toUsage(undefined),
  );

/** `counter` may reach at most `room` once `delta` is added (a counter not yet written is 0). */
const within = (counter: string, room: number | undefined, delta: number, placeholder: string, values: Item): string[] => {
  if (room === undefined || delta <= 0) return [];
  values[placeholder] = room - delta;
  return [`(attribute_not_exists(${counter}) OR ${counter} <= ${placeholder})`];
};

export const usageItems = (table: TableAccess) => {
  const regionsOf = (agentId: string, window: string) => table.queryPrefix(keys.agent(agentId).pk, `${PREFIX.usage}${window}#`);
  const getUsage = async (agentId: string, window: string): Promise<UsageRecord> => sum((await regionsOf(agentId, window)).map(toUsage));

  return {
    getUsage,
    getUsageSplit: async (agentId: string, window: string) => {
      const own = keys.usage(agentId, window, table.region).sk;
      const items = await regionsOf(agentId, window);
      return { all: sum(items.map(toUsage)), own: toUsage(items.find((item) => item.sk === own)) };
    },
    getUsageOfAgents: async (agentIds: readonly string[], window: string) => {
      const ids = [...new Set(agentIds)];
      const usage = await mapWithConcurrency(ids, 16, (id) => getUsage(id, window));
      return new Map(ids.map((id, i) => [id, usage[i] ?? toUsage(undefined)]));
    },
    addUsage: async (agentId: string, windows: { day: string; hour: string }, delta: UsageDelta, room: UsageRoom = {}): Promise<UsageWrite> => {
      const intents = delta.intents ?? 0;
      const cost = delta.costUsd ?? 0;
      const dayValues: Item = {};
      const hourValues: Item = {};
      const dayConditions = [...within('intents', room.dayIntents, intents, ':maxDay', dayValues), ...within('costUsd', room.dayCostUsd, cost, ':costRoom', dayValues)];
      const hourConditions = within('intents', room.hourIntents, intents, ':maxHour', hourValues);
      const nowSeconds = Math.floor(Date.now() / 1000);
      const update = (window: string, ttl: number, conditions: string[], values: Item) => ({
        TableName: table.tableName,
        Key: keys.usage(agentId, window, table.region),
        UpdateExpression: 'ADD intents :intents, costUsd :cost, succeeded :succeeded, failed :failed, denied :denied, wouldRefuse :wouldRefuse SET expiresAt = :expiresAt',
        ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
        ExpressionAttributeValues: {
          ':intents': intents,
          ':cost': cost,
          ':succeeded': delta.succeeded ?? 0,
          ':denied': delta.denied ?? 0,
          ':wouldRefuse': delta.wouldRefuse ?? 0,
          ':failed': delta.failed ?? 0,
          ':expiresAt': nowSeconds + ttl,
          ...values,
        },
      });
      const day = update(windows.day, USAGE_DAY_TTL, dayConditions, dayValues);
      const hour = update(windows.hour, USAGE_HOUR_TTL, hourConditions, hourValues);
      if (dayConditions.length === 0 && hourConditions.length === 0) {
        // Hour windows exist for the intents-per-hour limit only: a report without intents
        // (metrics, a refused action) writes the day alone.
        await Promise.all([table.client.send(new UpdateCommand(day)), ...(intents !== 0 ? [table.client.send(new UpdateCommand(hour))] : [])]);
        return { ok: true };
      }
      try {
        await table.client.send(new TransactWriteCommand({ TransactItems: [{ Update: day }, { Update: hour }] }));
        return { ok: true };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (!codes?.includes('ConditionalCheckFailed')) throw error;
        return { ok: false, window: codes[0] === 'ConditionalCheckFailed' ? 'day' : 'hour' };
      }
    },
    markBreach: (agentId: string, breach: string, expiresAt: number) =>
      table.conditionally(() =>
        table.client.send(
          new UpdateCommand({
            TableName: table.tableName,
            Key: keys.breach(agentId, breach),
            UpdateExpression: 'SET expiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(pk)',
            ExpressionAttributeValues: { ':expiresAt': expiresAt },
          }),
        ),
      ),
    isBreachMarked: async (agentId: string, breach: string) => (await table.get(keys.breach(agentId, breach))) !== undefined,
    updateFailureStreak: async (agentId: string, report: { succeeded: number; failed: number }) => {
      const reset = report.succeeded > 0;
      const { Attributes } = await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: keys.failureStreak(agentId),
          UpdateExpression: reset ? 'SET streak = :zero' : 'ADD streak :failed',
          ExpressionAttributeValues: reset ? { ':zero': 0 } : { ':failed': report.failed },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.streak ?? 0);
    },
  } satisfies Pick<AgentRepository, 'getUsage' | 'getUsageSplit' | 'getUsageOfAgents' | 'addUsage' | 'markBreach' | 'isBreachMarked' | 'updateFailureStreak'>;
};
