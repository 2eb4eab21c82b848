/** Fleet-wide action kills: one versioned item (`FLEET#ACTIONS / FLEET`), written in the write region. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { VersionConflictError } from '../../domain/errors';
import type { FleetActionsRecord } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import { isConditionFailure, type TableAccess } from './table-access';
import { keys } from './table-schema';

/** What a version conflict on the fleet item names as the "agent". */
const FLEET = 'fleet actions';

export const fleetItems = (table: TableAccess) =>
  ({
    getFleetActions: async (options: { consistent?: boolean } = {}): Promise<FleetActionsRecord> => {
      const item = await table.get(keys.fleetActions(), { consistent: options.consistent ?? true });
      if (!item) return { version: 0, killed: [] };
      return { version: item.version, killed: item.killed ?? [], ...(item.lastChange ? { lastChange: item.lastChange } : {}) };
    },
    putFleetActions: async (next: FleetActionsRecord, expectedVersion: number): Promise<void> => {
      try {
        await table.client.send(
          new PutCommand({
            TableName: table.tableName,
            Item: { ...keys.fleetActions(), itemType: 'fleet', ...next },
            ...(expectedVersion === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) throw new VersionConflictError(FLEET, expectedVersion, undefined, { cause: error });
        throw error;
      }
    },
  }) satisfies Pick<AgentRepository, 'getFleetActions' | 'putFleetActions'>;
