/** Agents: the agent item (status, version, policy), its tag items, and what hangs under its key. */
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AgentNotFoundError, ConflictError, VersionConflictError } from '../../domain/errors';
import type { AgentRecord, ApiKeyRecord, StopMarker } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import { keyPuts } from './key-items';
import { cancellationCodes, isConditionFailure, type Item, type TableAccess } from './table-access';
import { GSI1, keys, LISTS, STOP_MARKER_PREFIX } from './table-schema';

const toAgent = (item: Item): AgentRecord => ({
  agentId: item.agentId,
  name: item.name,
  tags: item.tags ?? [],
  status: item.status,
  version: item.version,
  statusChangedAt: item.statusChangedAt,
  statusChangedBy: item.statusChangedBy,
  statusReason: item.statusReason ?? null,
  policy: item.policy ?? {},
  createdAt: item.createdAt,
  healthSince: item.healthSince,
  lastChange: item.lastChange,
  deleted: item.deleted === true,
  ...(item.foldedStops ? { foldedStops: item.foldedStops } : {}),
  ...(item.approvalSeq !== undefined ? { approvalSeq: item.approvalSeq } : {}),
  ...(item.approvalEvent !== undefined ? { approvalEvent: item.approvalEvent } : {}),
});

const toStopMarker = (item: Item): StopMarker => ({
  region: item.region,
  seq: item.seq,
  action: item.action,
  actor: item.actor,
  reason: item.reason,
  at: item.at,
  agentCreatedAt: item.agentCreatedAt,
});

const agentItem = ({ stops: _stops, ...agent }: AgentRecord): Item => ({
  ...keys.agent(agent.agentId),
  itemType: 'agent',
  ...agent,
  ...(agent.deleted ? {} : { gsi1pk: LISTS.agents, gsi1sk: agent.agentId }),
});

export const agentItems = (table: TableAccess) => {
  /** The agent item and its stop markers, in one query (their sort keys all start with `AGENT`). */
  const getAgent = async (agentId: string, options: { consistent?: boolean } = {}): Promise<AgentRecord | undefined> => {
    const { pk, sk } = keys.agent(agentId);
    const items = await table.queryPrefix(pk, sk, { ConsistentRead: options.consistent ?? true });
    const item = items.find((i) => i.sk === sk);
    if (!item) return undefined;
    const stops = items.filter((i) => String(i.sk).startsWith(STOP_MARKER_PREFIX)).map(toStopMarker);
    return { ...toAgent(item), ...(stops.length > 0 ? { stops } : {}) };
  };
  /** Why a versioned write failed: the agent is gone, or another change came first. */
  const conflictFor = async (agentId: string, expectedVersion: number, cause: unknown): Promise<Error> => {
    const current = await getAgent(agentId);
    if (!current || current.deleted) return new AgentNotFoundError(agentId);
    return new VersionConflictError(agentId, expectedVersion, current.version, { cause });
  };
  /** Remove an agent's instances, checkpoints and usage (everything under its key but the agent item). */
  const purgeChildren = async (agentId: string): Promise<void> => {
    const items = await table.queryPartition(keys.agent(agentId).pk, { ProjectionExpression: 'pk, sk' });
    await table.batchDelete(items.filter((item) => item.sk !== keys.agent(agentId).sk).map((item) => ({ pk: item.pk, sk: item.sk })));
  };

  return {
    getAgent,
    createAgent: async (agent: AgentRecord, key: ApiKeyRecord, previousVersion: number | undefined) => {
      if (previousVersion !== undefined) await purgeChildren(agent.agentId);
      const condition =
        previousVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'deleted = :true AND version = :previous', ExpressionAttributeValues: { ':true': true, ':previous': previousVersion } };
      try {
        await table.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: table.tableName, Item: agentItem(agent), ...condition } },
              ...agent.tags.map((tag) => ({ Put: { TableName: table.tableName, Item: { ...keys.agentTag(tag, agent.agentId), agentId: agent.agentId } } })),
              ...keyPuts(table, key),
            ],
          }),
        );
      } catch (error) {
        if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') {
          throw new ConflictError(`agentId: an agent "${agent.agentId}" already exists; pick another id or delete it first`, { cause: error });
        }
        throw error;
      }
    },
    updateAgent: async (agent: AgentRecord, expectedVersion: number) => {
      try {
        await table.client.send(
          new UpdateCommand({
            TableName: table.tableName,
            Key: keys.agent(agent.agentId),
            UpdateExpression:
              'SET #status = :status, version = :version, statusChangedAt = :changedAt, statusChangedBy = :changedBy, ' +
              'statusReason = :reason, policy = :policy, lastChange = :lastChange' +
              (agent.healthSince ? ', healthSince = :healthSince' : '') +
              (agent.foldedStops ? ', foldedStops = :foldedStops' : ''),
            ConditionExpression: 'version = :expected AND deleted = :false',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': agent.status,
              ':version': agent.version,
              ':changedAt': agent.statusChangedAt,
              ':changedBy': agent.statusChangedBy,
              ':reason': agent.statusReason,
              ':policy': agent.policy,
              ':lastChange': agent.lastChange,
              ':expected': expectedVersion,
              ':false': false,
              ...(agent.healthSince ? { ':healthSince': agent.healthSince } : {}),
              ...(agent.foldedStops ? { ':foldedStops': agent.foldedStops } : {}),
            },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) throw await conflictFor(agent.agentId, expectedVersion, error);
        throw error;
      }
    },
    deleteAgent: async (agent: AgentRecord, expectedVersion: number) => {
      try {
        await table.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: table.tableName,
                  Key: keys.agent(agent.agentId),
                  UpdateExpression: 'SET deleted = :true, version = :version, lastChange = :lastChange REMOVE gsi1pk, gsi1sk',
                  ConditionExpression: 'version = :expected AND deleted = :false',
                  ExpressionAttributeValues: { ':true': true, ':false': false, ':version': agent.version, ':lastChange': agent.lastChange, ':expected': expectedVersion },
                },
              },
              ...agent.tags.map((tag) => ({ Delete: { TableName: table.tableName, Key: keys.agentTag(tag, agent.agentId) } })),
            ],
          }),
        );
      } catch (error) {
        if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') throw await conflictFor(agent.agentId, expectedVersion, error);
        throw error;
      }
      await purgeChildren(agent.agentId);
    },
    putStopMarker: async (agentId: string, marker: Omit<StopMarker, 'seq'>): Promise<StopMarker> => {
      const { Attributes } = await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: keys.stopMarker(agentId, marker.region),
          UpdateExpression: 'SET #region = :region, #action = :action, actor = :actor, reason = :reason, #at = :at, agentCreatedAt = :created, itemType = :type ADD seq :one',
          ExpressionAttributeNames: { '#region': 'region', '#action': 'action', '#at': 'at' },
          ExpressionAttributeValues: {
            ':region': marker.region,
            ':action': marker.action,
            ':actor': marker.actor,
            ':reason': marker.reason,
            ':at': marker.at,
            ':created': marker.agentCreatedAt,
            ':type': 'stop',
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toStopMarker(Attributes as Item);
    },
    listAgents: async () =>
      (await table.queryAll({ IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :list', ExpressionAttributeValues: { ':list': LISTS.agents } }))
        .map(toAgent)
        .filter((a) => !a.deleted),
    listAgentIdsByTag: async (tag: string) =>
      (await table.queryPartition(keys.agentTag(tag, '').pk)).map((item) => String(item.agentId)),
    getAgents: async (agentIds: readonly string[]) => {
      const items = await table.batchGet([...new Set(agentIds)].map((id) => keys.agent(id)));
      const byId = new Map(items.map((item) => [String(item.agentId), toAgent(item)]));
      return agentIds.flatMap((id) => {
        const agent = byId.get(id);
        return agent ? [agent] : [];
      });
    },
  } satisfies Pick<AgentRepository, 'getAgent' | 'putStopMarker' | 'createAgent' | 'updateAgent' | 'deleteAgent' | 'listAgents' | 'listAgentIdsByTag' | 'getAgents'>;
};
