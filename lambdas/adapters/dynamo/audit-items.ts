/** The audit trail: one write-once item per agent version, hash-chained, listed newest first. */
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEventRecord } from '../../ports/records';
import type { AgentRepository, Page } from '../../ports/repository';
import { decodeCursor, encodeCursor, type Item, type TableAccess } from './table-access';
import { GSI1, keys, LISTS, padVersion } from './table-schema';

const toAudit = (item: Item): AuditEventRecord => ({
  eventId: item.eventId,
  agentId: item.agentId,
  type: item.type,
  actor: item.actor,
  reason: item.reason ?? null,
  at: item.at,
  fromStatus: item.fromStatus ?? null,
  toStatus: item.toStatus ?? null,
  version: item.version,
  region: item.region,
  hash: item.hash,
  prevHash: item.prevHash,
  published: item.published === true,
});

export const auditItems = (table: TableAccess) =>
  ({
    putAuditEvent: (event: AuditEventRecord) =>
      table.conditionally(() =>
        table.client.send(
          new PutCommand({
            TableName: table.tableName,
            Item: { ...keys.audit(event.agentId, event.version), gsi1pk: LISTS.audit, gsi1sk: `${event.at}#${event.agentId}#${padVersion(event.version)}`, itemType: 'audit', ...event },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    getAuditEvent: async (agentId: string, version: number) => {
      const item = await table.get(keys.audit(agentId, version));
      return item ? toAudit(item) : undefined;
    },
    getPreviousAuditEvent: async (agentId: string, beforeVersion: number) => {
      const { Items } = await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk AND sk < :sk',
          ExpressionAttributeValues: { ':pk': keys.audit(agentId, 0).pk, ':sk': keys.audit(agentId, beforeVersion).sk },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const item = Items?.[0];
      return item ? toAudit(item) : undefined;
    },
    markAuditPublished: async (agentId: string, version: number) => {
      await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: keys.audit(agentId, version),
          UpdateExpression: 'SET published = :true',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
    },
    listAudit: async (options: { agentId?: string; limit: number; cursor?: string }): Promise<Page<AuditEventRecord>> => {
      const startKey = decodeCursor(options.cursor);
      const query = options.agentId
        ? { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.audit(options.agentId, 0).pk }, ConsistentRead: true }
        : { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :list', ExpressionAttributeValues: { ':list': LISTS.audit } };
      const { Items, LastEvaluatedKey } = await table.client.send(
        new QueryCommand({ TableName: table.tableName, ...query, ScanIndexForward: false, Limit: options.limit, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      return { items: (Items ?? []).map(toAudit), nextCursor: encodeCursor(LastEvaluatedKey) };
    },
    listAuditChain: async (agentId: string) =>
      (await table.queryPartition(keys.audit(agentId, 0).pk)).map(toAudit),
    listAuditedAgentIds: async () => {
      const items = await table.queryAll({ IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :list', ExpressionAttributeValues: { ':list': LISTS.audit }, ProjectionExpression: 'agentId' });
      return [...new Set(items.map((item) => String(item.agentId)))].sort();
    },
  }) satisfies Pick<
    AgentRepository,
    'putAuditEvent' | 'getAuditEvent' | 'getPreviousAuditEvent' | 'markAuditPublished' | 'listAudit' | 'listAuditChain' | 'listAuditedAgentIds'
  >;
