/**
 * Creates the local tables from the same definition the CDK stack uses (lambdas/core/
 * table-schema.ts). Safe to run on every start: existing tables are left as they are.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from '../../lambdas/adapters/dynamo/table-schema';

const attributeDefinitions = (table: TableDefinition) => {
  const all = [table.partitionKey, table.sortKey, ...table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const byName = new Map(all.map((a) => [a.name, a]));
  return [...byName.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type }));
};

/** Create `tableName` per `table` unless it exists; returns the table's stream ARN (if any). */
export const ensureTable = async (options: {
  client: DynamoDBClient;
  tableName: string;
  table: TableDefinition;
}): Promise<{ created: boolean; streamArn?: string }> => {
  const { client, tableName, table } = options;
  let created = false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(table),
        KeySchema: [
          { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
        ],
        ...(table.globalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
                  { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
                ],
                Projection: { ProjectionType: 'ALL' as const },
              })),
            }
          : {}),
        ...(table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } } : {}),
      }),
    );
    created = true;
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  if (created) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return { created, ...(Table?.LatestStreamArn ? { streamArn: Table.LatestStreamArn } : {}) };
};
