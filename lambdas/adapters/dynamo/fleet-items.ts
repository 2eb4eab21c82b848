/**
 * Fleet-wide action kills: one versioned item (`FLEET#ACTIONS / FLEET`), written in the write
 * region, and each region's fleet stop marker beside it (`FLEET#ACTIONS / STOP#<region>`),
 * written only by that region; one query reads them all.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { VersionConflictError } from '../../domain/errors';
import type { FleetActionsRecord, FleetStopMarker } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import { isConditionFailure, type TableAccess } from './table-access';
import { keys } from './table-schema';

/** What a version conflict on the fleet item names as the "agent". */
const FLEET = 'fleet actions';

/** A put conditional on `field` being `expected` (or the item absent when it is 0). */
const conditionalPut = async (table: TableAccess, item: Record<string, unknown>, field: 'version' | 'seq', expected: number): Promise<void> => {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: item,
        ...(expected === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: '#field = :expected', ExpressionAttributeNames: { '#field': field }, ExpressionAttributeValues: { ':expected': expected } }),
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new VersionConflictError(FLEET, expected, undefined, { cause: error });
    throw error;
  }
};

export const fleetItems = (table: TableAccess) =>
  ({
    getFleetActions: async (options: { consistent?: boolean } = {}): Promise<FleetActionsRecord> => {
      const items = await table.queryPartition(keys.fleetActions().pk, { ConsistentRead: options.consistent ?? true });
      const item = items.find((i) => i.sk === keys.fleetActions().sk);
      const stops: FleetStopMarker[] = items
        .filter((i) => String(i.sk).startsWith(keys.fleetStopMarker('').sk))
        .map((i) => ({ region: i.region, seq: i.seq, killed: i.killed ?? [] }));
      return {
        version: item?.version ?? 0,
        killed: item?.killed ?? [],
        ...(item?.lastChange ? { lastChange: item.lastChange } : {}),
        ...(item?.foldedStops ? { foldedStops: item.foldedStops } : {}),
        ...(stops.length > 0 ? { stops } : {}),
      };
    },
    putFleetActions: async ({ stops: _stops, ...next }: FleetActionsRecord, expectedVersion: number): Promise<void> =>
      conditionalPut(table, { ...keys.fleetActions(), itemType: 'fleet', ...next }, 'version', expectedVersion),
    putFleetStopMarker: async (marker: FleetStopMarker, expectedSeq: number): Promise<void> =>
      conditionalPut(table, { ...keys.fleetStopMarker(marker.region), itemType: 'fleetStop', ...marker }, 'seq', expectedSeq),
  }) satisfies Pick<AgentRepository, 'getFleetActions' | 'putFleetActions' | 'putFleetStopMarker'>;
