/** Checkpoints: named JSON documents an agent saves to resume from, under the agent's key. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CheckpointRecord } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import type { TableAccess } from './table-access';
import { keys, PREFIX } from './table-schema';

export const checkpointItems = (table: TableAccess) =>
  ({
    putCheckpoint: async (agentId: string, checkpoint: CheckpointRecord) => {
      await table.client.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...keys.checkpoint(agentId, checkpoint.name), name: checkpoint.name, data: checkpoint.json, savedAt: checkpoint.savedAt },
        }),
      );
    },
    getCheckpoint: async (agentId: string, name: string) => {
      const item = await table.get(keys.checkpoint(agentId, name));
      return item ? { name: item.name, json: item.data, savedAt: item.savedAt } : undefined;
    },
    listCheckpoints: async (agentId: string) =>
      (await table.queryPrefix(keys.agent(agentId).pk, PREFIX.checkpoint, { ProjectionExpression: '#name, savedAt', ExpressionAttributeNames: { '#name': 'name' } })).map(
        (item) => ({ name: item.name, savedAt: item.savedAt }),
      ),
  }) satisfies Pick<AgentRepository, 'putCheckpoint' | 'getCheckpoint' | 'listCheckpoints'>;
