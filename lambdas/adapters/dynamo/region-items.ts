/**
 * The region registry: one item per region of the deployment (`REGION#<region> / REGION`),
 * written at deploy (a custom resource in AWS, the region itself locally) and replicated like
 * everything else, so each region finds the others' WebSocket management endpoints at run time.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RegionEntry } from '../../ports/records';
import type { TableAccess } from './table-access';
import { keys } from './table-schema';

export const regionItems = (table: TableAccess) => ({
  putRegion: async (entry: RegionEntry): Promise<void> => {
    await table.client.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.region(entry.region), itemType: 'region', ...entry } }));
  },
  getRegions: async (regions: readonly string[]): Promise<RegionEntry[]> =>
    (await table.batchGet(regions.map((r) => keys.region(r)))).map((item) => ({ region: String(item.region), managementEndpoint: String(item.managementEndpoint) })),
});
