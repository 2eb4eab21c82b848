/** The MCP upstream registry: one item per server (`MCPSERVER#<server> / MCPSERVER`), listed by name. */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { McpServerRecord } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import type { Item, TableAccess } from './table-access';
import { GSI1, keys, LISTS } from './table-schema';

const toServer = (item: Item): McpServerRecord => ({
  server: item.server,
  url: item.url,
  headerNames: item.headerNames ?? [],
  ...(item.costUsd !== undefined ? { costUsd: item.costUsd } : {}),
  ...(item.headersCiphertext !== undefined ? { headersCiphertext: item.headersCiphertext } : {}),
  updatedAt: item.updatedAt,
  updatedBy: item.updatedBy,
});

export const mcpServerItems = (table: TableAccess) =>
  ({
    putMcpServer: async (record: McpServerRecord) => {
      await table.client.send(
        new PutCommand({ TableName: table.tableName, Item: { ...keys.mcpServer(record.server), gsi1pk: LISTS.mcpServers, gsi1sk: record.server, itemType: 'mcpServer', ...record } }),
      );
    },
    getMcpServer: async (server: string) => {
      const item = await table.get(keys.mcpServer(server));
      return item ? toServer(item) : undefined;
    },
    listMcpServers: async () =>
      (await table.queryAll({ IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :list', ExpressionAttributeValues: { ':list': LISTS.mcpServers } })).map(toServer),
    deleteMcpServer: async (server: string) => {
      const { Attributes } = await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: keys.mcpServer(server), ReturnValues: 'ALL_OLD' }));
      return Attributes !== undefined;
    },
  }) satisfies Pick<AgentRepository, 'putMcpServer' | 'getMcpServer' | 'listMcpServers' | 'deleteMcpServer'>;
