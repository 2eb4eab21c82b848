/** The hard stop's memory: each braked function's reserved concurrency before Halt set it to 0. */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { HardStopStore } from '../../ports/hard-stop';
import type { TableAccess } from './table-access';
import { keys } from './table-schema';

export const hardStopItems = (table: TableAccess) =>
  ({
    getSavedConcurrency: async (agentId: string, functionArn: string) => {
      const item = await table.get(keys.hardStop(agentId, functionArn));
      return item ? { previous: typeof item.previous === 'number' ? item.previous : null } : undefined;
    },
    saveConcurrency: async (agentId: string, functionArn: string, previous: number | null) => {
      // Saved by an earlier try (the condition fails): the first saved setting is the one to restore.
      await table.conditionally(() =>
        table.client.send(
          new PutCommand({ TableName: table.tableName, Item: { ...keys.hardStop(agentId, functionArn), agentId, functionArn, previous }, ConditionExpression: 'attribute_not_exists(pk)' }),
        ),
      );
    },
    forgetConcurrency: async (agentId: string, functionArn: string) => {
      await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: keys.hardStop(agentId, functionArn) }));
    },
    listSavedConcurrency: async (agentId: string) =>
      (await table.queryPartition(keys.hardStop(agentId, '').pk)).map((item) => ({
        functionArn: String(item.functionArn),
        previous: typeof item.previous === 'number' ? item.previous : null,
      })),
  }) satisfies HardStopStore;
