/** API keys: one item by hash (what the authorizer reads) and one by id (what operators list). */
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors';
import type { ApiKeyRecord } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import { cancellationCodes, type Item, type TableAccess } from './table-access';
import { GSI1, keys, LISTS } from './table-schema';

const toKey = (item: Item): ApiKeyRecord => ({
  keyId: item.keyId,
  keyHash: item.keyHash,
  name: item.name,
  role: item.role,
  agentId: item.agentId,
  createdAt: item.createdAt,
  lastUsedAt: item.lastUsedAt,
});

/** The two puts of a new key, each only if its item is new (a transaction's items). */
export const keyPuts = (table: TableAccess, key: ApiKeyRecord) => {
  const common = { keyId: key.keyId, keyHash: key.keyHash, name: key.name, role: key.role, agentId: key.agentId, createdAt: key.createdAt };
  const put = (item: Item) => ({ Put: { TableName: table.tableName, Item: { itemType: 'key', ...item, ...common }, ConditionExpression: 'attribute_not_exists(pk)' } });
  return [put(keys.keyByHash(key.keyHash)), put({ ...keys.keyById(key.keyId), gsi1pk: LISTS.keys, gsi1sk: `${key.createdAt}#${key.keyId}` })];
};

export const keyItems = (table: TableAccess) =>
  ({
    putKey: async (key) => {
      try {
        await table.client.send(new TransactWriteCommand({ TransactItems: keyPuts(table, key) }));
      } catch (error) {
        if (cancellationCodes(error)?.includes('ConditionalCheckFailed')) throw new ConflictError('key: this key exists already', { cause: error });
        throw error;
      }
    },
    getKeyByHash: async (keyHash) => {
      const item = await table.get(keys.keyByHash(keyHash));
      return item ? toKey(item) : undefined;
    },
    getKeyById: async (keyId) => {
      const item = await table.get(keys.keyById(keyId));
      return item ? toKey(item) : undefined;
    },
    listKeys: async () =>
      (await table.queryAll({ IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :list', ExpressionAttributeValues: { ':list': LISTS.keys } })).map(toKey),
    deleteKey: async (key) => {
      await table.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: table.tableName, Key: keys.keyByHash(key.keyHash) } },
            { Delete: { TableName: table.tableName, Key: keys.keyById(key.keyId) } },
          ],
        }),
      );
    },
    touchKey: async (key, at, notBefore) => {
      // Already noted recently, or revoked meanwhile (the condition fails): nothing to record.
      await table.conditionally(() =>
        table.client.send(
          new UpdateCommand({
            TableName: table.tableName,
            Key: keys.keyById(key.keyId),
            UpdateExpression: 'SET lastUsedAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :notBefore)',
            ExpressionAttributeValues: { ':at': at, ':notBefore': notBefore },
          }),
        ),
      );
    },
  }) satisfies Pick<AgentRepository, 'putKey' | 'getKeyByHash' | 'getKeyById' | 'listKeys' | 'deleteKey' | 'touchKey'>;
