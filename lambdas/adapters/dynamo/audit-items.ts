/**
 * The audit trail: write-once items per chain (an agent's, or the fleet's), one per version and
 * one per approval event after it, hash-chained, listed newest first.
 */
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { auditPositionOf, FLEET_CHAIN, type AuditEventRecord, type AuditPosition } from '../../ports/records';
import type { AgentRepository, Page } from '../../ports/repository';
import { decodeCursor, encodeCursor, type Item, type TableAccess } from './table-access';
import { GSI1, keys, LISTS } from './table-schema';

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
  ...(item.approvalId !== undefined ? { approvalId: item.approvalId } : {}),
  ...(item.action !== undefined ? { action: item.action } : {}),
  ...(item.approvalSeq !== undefined ? { approvalSeq: item.approvalSeq } : {}),
});

const keyOf = (position: AuditPosition) => keys.audit(position.chain, position.version, position.approvalSeq);

export const auditItems = (table: TableAccess) =>
  ({
    putAuditEvent: (event: AuditEventRecord) => {
      const position = auditPositionOf(event);
      const key = keyOf(position);
      return table.conditionally(() =>
        table.client.send(
          new PutCommand({
            TableName: table.tableName,
            Item: { ...key, gsi1pk: LISTS.audit, gsi1sk: `${event.at}#${position.chain}#${key.sk}`, itemType: 'audit', ...event },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    },
    getAuditEvent: async (position: AuditPosition) => {
      const item = await table.get(keyOf(position));
      return item ? toAudit(item) : undefined;
    },
    getPreviousAuditEvent: async (position: AuditPosition) => {
      const key = keyOf(position);
      const { Items } = await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk AND sk < :sk',
          ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const item = Items?.[0];
      return item ? toAudit(item) : undefined;
    },
    markAuditPublished: async (position: AuditPosition) => {
      await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: keyOf(position),
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
    listAuditChain: async (chain: string) =>
      (await table.queryPartition(keys.audit(chain, 0).pk)).map(toAudit),
    listAuditedAgentIds: async () => {
      const items = await table.queryAll({ IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :list', ExpressionAttributeValues: { ':list': LISTS.audit }, ProjectionExpression: 'agentId' });
      return [...new Set(items.flatMap((item) => (typeof item.agentId === 'string' && item.agentId !== FLEET_CHAIN ? [item.agentId] : [])))].sort();
    },
  }) satisfies Pick<
    AgentRepository,
    'putAuditEvent' | 'getAuditEvent' | 'getPreviousAuditEvent' | 'markAuditPublished' | 'listAudit' | 'listAuditChain' | 'listAuditedAgentIds'
  >;
