/**
 * Approvals: the approval item (`APPROVAL#<id> / APPROVAL`, listed newest first in the list
 * index), a copy under its agent while it is open (`AGENT#<id> / APPROVAL#<approvalId>`: an
 * identical call and the agent's kill find it there), and each request or decision written on
 * the agent item as the next approval event, all in one transaction in the write region.
 */
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ApprovalConflictError, VersionConflictError } from '../../domain/errors';
import { OPEN_APPROVAL_STATUSES, type ApprovalEvent, type ApprovalRecord } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import { cancellationCodes, type Item, type TableAccess } from './table-access';
import { GSI1, keys, LISTS, PREFIX } from './table-schema';

const toApproval = (item: Item): ApprovalRecord => ({
  approvalId: item.approvalId,
  agentId: item.agentId,
  instanceId: item.instanceId,
  action: item.action,
  ...(item.to !== undefined ? { to: item.to } : {}),
  ...(item.costUsd !== undefined ? { costUsd: item.costUsd } : {}),
  // A payload of `null` is a payload: `hasPayload` tells it from none.
  ...(item.hasPayload === true ? { payload: item.payload ?? null } : {}),
  status: item.status,
  requestedAt: item.requestedAt,
  expiresAt: item.expiresAt,
  ...(item.decidedBy !== undefined ? { decidedBy: item.decidedBy } : {}),
  ...(item.decidedAt !== undefined ? { decidedAt: item.decidedAt } : {}),
  ...(item.reason !== undefined ? { reason: item.reason } : {}),
  ...(item.intentId !== undefined ? { intentId: item.intentId } : {}),
  callHash: item.callHash,
  changedIn: item.changedIn,
});

const attributes = (approval: ApprovalRecord): Item => ({
  ...approval,
  hasPayload: 'payload' in approval,
  itemType: 'approval',
});

export const approvalItems = (table: TableAccess) => {
  /** The agent item's part of a transaction: the next approval event, if the agent has not moved. */
  const agentEvent = (agentId: string, event: ApprovalEvent, agentVersion: number) => ({
    Update: {
      TableName: table.tableName,
      Key: keys.agent(agentId),
      UpdateExpression: 'SET approvalSeq = :seq, approvalEvent = :event',
      ConditionExpression: 'version = :version AND deleted = :false AND ' + (event.seq === 1 ? 'attribute_not_exists(approvalSeq)' : 'approvalSeq = :previous'),
      ExpressionAttributeValues: { ':seq': event.seq, ':event': event, ':version': agentVersion, ':false': false, ...(event.seq === 1 ? {} : { ':previous': event.seq - 1 }) },
    },
  });
  const listIndex = (approval: ApprovalRecord) => ({ gsi1pk: LISTS.approvals, gsi1sk: `${approval.requestedAt}#${approval.approvalId}` });

  return {
    createApproval: async (approval: ApprovalRecord, event: ApprovalEvent, agentVersion: number): Promise<void> => {
      try {
        await table.client.send(
          new TransactWriteCommand({
            TransactItems: [
              agentEvent(approval.agentId, event, agentVersion),
              { Put: { TableName: table.tableName, Item: { ...keys.approval(approval.approvalId), ...listIndex(approval), ...attributes(approval) }, ConditionExpression: 'attribute_not_exists(pk)' } },
              { Put: { TableName: table.tableName, Item: { ...keys.openApproval(approval.agentId, approval.approvalId), ...attributes(approval) } } },
            ],
          }),
        );
      } catch (error) {
        if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') throw new VersionConflictError(approval.agentId, agentVersion, undefined, { cause: error });
        throw error;
      }
    },
    updateApproval: async (next: ApprovalRecord, expectedStatus: ApprovalRecord['status'], withEvent?: { event: ApprovalEvent; agentVersion: number }): Promise<void> => {
      const open = OPEN_APPROVAL_STATUSES.includes(next.status);
      try {
        await table.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: table.tableName,
                  Item: { ...keys.approval(next.approvalId), ...listIndex(next), ...attributes(next) },
                  ConditionExpression: '#status = :expected',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':expected': expectedStatus },
                },
              },
              open
                ? { Put: { TableName: table.tableName, Item: { ...keys.openApproval(next.agentId, next.approvalId), ...attributes(next) } } }
                : { Delete: { TableName: table.tableName, Key: keys.openApproval(next.agentId, next.approvalId) } },
              ...(withEvent ? [agentEvent(next.agentId, withEvent.event, withEvent.agentVersion)] : []),
            ],
          }),
        );
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes?.[0] === 'ConditionalCheckFailed') {
          const current = await table.get(keys.approval(next.approvalId));
          throw new ApprovalConflictError(next.approvalId, current ? String(current.status) : 'gone');
        }
        if (codes?.[2] === 'ConditionalCheckFailed' && withEvent) throw new VersionConflictError(next.agentId, withEvent.agentVersion, undefined, { cause: error });
        throw error;
      }
    },
    getApproval: async (approvalId: string, options: { consistent?: boolean } = {}) => {
      const item = await table.get(keys.approval(approvalId), { consistent: options.consistent ?? true });
      return item ? toApproval(item) : undefined;
    },
    listApprovals: async (options: { status?: ApprovalRecord['status']; agentId?: string; since?: string; limit?: number }) => {
      const filters: string[] = [];
      const values: Item = { ':list': LISTS.approvals };
      if (options.status) {
        filters.push('#status = :status');
        values[':status'] = options.status;
      }
      if (options.agentId) {
        filters.push('agentId = :agentId');
        values[':agentId'] = options.agentId;
      }
      if (options.since) values[':since'] = options.since;
      const limit = options.limit ?? 200;
      const out: ApprovalRecord[] = [];
      let startKey: Item | undefined;
      do {
        const { Items, LastEvaluatedKey } = await table.client.send(
          new QueryCommand({
            TableName: table.tableName,
            IndexName: GSI1,
            KeyConditionExpression: options.since ? 'gsi1pk = :list AND gsi1sk >= :since' : 'gsi1pk = :list',
            ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
            ...(options.status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        out.push(...(Items ?? []).map(toApproval));
        startKey = LastEvaluatedKey;
      } while (startKey && out.length < limit);
      return out.slice(0, limit);
    },
    listOpenApprovals: async (agentId: string) => (await table.queryPrefix(keys.agent(agentId).pk, PREFIX.openApproval)).map(toApproval),
  } satisfies Pick<AgentRepository, 'createApproval' | 'updateApproval' | 'getApproval' | 'listApprovals' | 'listOpenApprovals'>;
};
