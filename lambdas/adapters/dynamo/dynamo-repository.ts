/**
 * `AgentRepository` over the single state table (see docs/data-model.md). It receives its
 * DynamoDB document client, so Lambda, the local runtime and tests each hand it theirs.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { AgentNotFoundError, ConflictError, ValidationError, VersionConflictError } from '../../domain/errors';
import type {
  AgentRecord,
  ApiKeyRecord,
  AuditEventRecord,
  CheckpointRecord,
  InstancePresence,
  InstanceRecord,
  UsageRecord,
} from '../../ports/records';
import type { HardStopStore } from '../../ports/hard-stop';
import type { AgentRepository, Page, UsageDelta, UsageLimits, UsageOutcome } from '../../ports/repository';
import { mapWithConcurrency } from '../../domain/concurrency';
import { ACK_MARK, GSI1, keys, LISTS, padVersion, PREFIX } from './table-schema';

type Item = Record<string, NativeAttributeValue>;

const DAY_SECONDS = 86_400;
/** Daily usage is kept for a month (cost over time), hourly for two days. */
const USAGE_DAY_TTL = 35 * DAY_SECONDS;
const USAGE_HOUR_TTL = 2 * DAY_SECONDS;
/** An instance that has not heartbeated for a day is forgotten. */
const INSTANCE_TTL = DAY_SECONDS;


const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

const CURSOR_FIELDS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

export const encodeCursor = (key: Item | undefined): string | undefined =>
  key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;

export const decodeCursor = (cursor: string | undefined): Item | undefined => {
  if (cursor === undefined) return undefined;
  const invalid = new ValidationError('cursor: is not a cursor this API returned; omit it to start from the newest');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new ValidationError(invalid.message, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid;
  const entries = Object.entries(parsed);
  if (entries.length === 0 || entries.some(([k, v]) => !CURSOR_FIELDS.has(k) || typeof v !== 'string')) throw invalid;
  return parsed as Item;
};

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

const cancellationCodes = (error: unknown): string[] | undefined => {
  if (error instanceof TransactionCanceledException || (error instanceof Error && error.name === 'TransactionCanceledException')) {
    return ((error as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  }
  return undefined;
};

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

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
});

const agentItem = (agent: AgentRecord): Item => ({
  ...keys.agent(agent.agentId),
  itemType: 'agent',
  ...agent,
  ...(agent.deleted ? {} : { gsi1pk: LISTS.agents, gsi1sk: agent.agentId }),
});

const toInstance = (item: Item): InstanceRecord => ({
  agentId: item.agentId,
  instanceId: item.instanceId,
  region: item.region,
  firstSeenAt: item.firstSeenAt,
  lastHeartbeatAt: item.lastHeartbeatAt,
  acknowledgedVersion: item.acknowledgedVersion,
  ignoringReportedVersion: item.ignoringReportedVersion,
  ...(typeof item.connectionId === 'string' ? { connectionId: item.connectionId, connectedAt: item.connectedAt as string } : {}),
});

const toUsage = (item: Item | undefined): UsageRecord => ({
  intents: item?.intents ?? 0,
  costUsd: item?.costUsd ?? 0,
  succeeded: item?.succeeded ?? 0,
  failed: item?.failed ?? 0,
  denied: item?.denied ?? 0,
});

const toKey = (item: Item): ApiKeyRecord => ({
  keyId: item.keyId,
  keyHash: item.keyHash,
  name: item.name,
  role: item.role,
  agentId: item.agentId,
  createdAt: item.createdAt,
  lastUsedAt: item.lastUsedAt,
});

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

export interface DynamoRepositoryOptions {
  /** A document client built with `removeUndefinedValues: true`. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The region this repository writes from (its usage counters are its own). */
  readonly region: string;
}

export class DynamoRepository implements AgentRepository, HardStopStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly region: string;

  public constructor(options: DynamoRepositoryOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.region = options.region;
  }

  // ---- agents -----------------------------------------------------------------------

  public async getAgent(agentId: string, options: { consistent?: boolean } = {}): Promise<AgentRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.agent(agentId), ConsistentRead: options.consistent ?? true }),
    );
    return Item ? toAgent(Item) : undefined;
  }

  public async createAgent(agent: AgentRecord, key: ApiKeyRecord, previousVersion: number | undefined): Promise<void> {
    if (previousVersion !== undefined) await this.purgeAgentChildren(agent.agentId);
    const condition =
      previousVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'deleted = :true AND version = :previous',
            ExpressionAttributeValues: { ':true': true, ':previous': previousVersion },
          };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: agentItem(agent), ...condition } },
            ...agent.tags.map((tag) => ({
              Put: { TableName: this.tableName, Item: { ...keys.agentTag(tag, agent.agentId), agentId: agent.agentId } },
            })),
            ...this.keyPuts(key),
          ],
        }),
      );
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') {
        throw new ConflictError(`agentId: an agent "${agent.agentId}" already exists; pick another id or delete it first`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  public async updateAgent(agent: AgentRecord, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.agent(agent.agentId),
          UpdateExpression:
            'SET #status = :status, version = :version, statusChangedAt = :changedAt, statusChangedBy = :changedBy, ' +
            'statusReason = :reason, policy = :policy, lastChange = :lastChange' +
            (agent.healthSince ? ', healthSince = :healthSince' : ''),
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
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw await this.conflictFor(agent.agentId, expectedVersion, error);
      throw error;
    }
  }

  public async deleteAgent(agent: AgentRecord, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.agent(agent.agentId),
                UpdateExpression:
                  'SET deleted = :true, version = :version, lastChange = :lastChange REMOVE gsi1pk, gsi1sk',
                ConditionExpression: 'version = :expected AND deleted = :false',
                ExpressionAttributeValues: {
                  ':true': true,
                  ':false': false,
                  ':version': agent.version,
                  ':lastChange': agent.lastChange,
                  ':expected': expectedVersion,
                },
              },
            },
            ...agent.tags.map((tag) => ({ Delete: { TableName: this.tableName, Key: keys.agentTag(tag, agent.agentId) } })),
          ],
        }),
      );
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') throw await this.conflictFor(agent.agentId, expectedVersion, error);
      throw error;
    }
    await this.purgeAgentChildren(agent.agentId);
  }

  public async listAgents(): Promise<AgentRecord[]> {
    const items = await this.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :list',
      ExpressionAttributeValues: { ':list': LISTS.agents },
    });
    return items.map(toAgent).filter((a) => !a.deleted);
  }

  public async listAgentIdsByTag(tag: string): Promise<string[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.agentTag(tag, '').pk },
      ConsistentRead: true,
    });
    return items.map((item) => String(item.agentId));
  }

  public async getAgents(agentIds: readonly string[]): Promise<AgentRecord[]> {
    const items = await this.batchGet([...new Set(agentIds)].map((id) => keys.agent(id)));
    const byId = new Map(items.map((item) => [String(item.agentId), toAgent(item)]));
    return agentIds.flatMap((id) => {
      const agent = byId.get(id);
      return agent ? [agent] : [];
    });
  }

  // ---- instances --------------------------------------------------------------------

  public async putInstance(instance: InstanceRecord): Promise<void> {
    const hasAck = instance.acknowledgedVersion !== undefined;
    await this.registerInstance(instance, instance.lastHeartbeatAt, hasAck ? { acknowledgedVersion: instance.acknowledgedVersion } : {});
  }

  public async getInstance(agentId: string, instanceId: string): Promise<InstanceRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.instance(agentId, instanceId) }));
    return Item ? toInstance(Item) : undefined;
  }

  public async acknowledgeInstance(options: { agentId: string; instanceId: string; version: number; at: string }): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.instance(options.agentId, options.instanceId),
          // The mark lets the stream's event filter pass this write (and no heartbeat's).
          UpdateExpression: `SET acknowledgedVersion = :version, lastHeartbeatAt = :at, expiresAt = :expiresAt, ${ACK_MARK} = :at`,
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(acknowledgedVersion) OR acknowledgedVersion < :version)',
          ExpressionAttributeValues: { ':version': options.version, ':at': options.at, ':expiresAt': epochSeconds(options.at) + INSTANCE_TTL },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  public async listInstances(agentId: string): Promise<InstanceRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.agent(agentId).pk, ':prefix': PREFIX.instance },
      ConsistentRead: true,
    });
    return items.map(toInstance);
  }

  public async connectInstance(presence: InstancePresence): Promise<void> {
    await this.registerInstance(presence, presence.at, { connectionId: presence.connectionId, connectedAt: presence.at });
  }

  /**
   * Register or refresh an instance seen at `at`, setting `extra` too. Any write but an
   * acknowledgement removes the acknowledgement mark, so the stream filter lets it pass by.
   */
  private async registerInstance(
    instance: Pick<InstanceRecord, 'agentId' | 'instanceId' | 'region'>,
    at: string,
    extra: Record<string, string | number | undefined>,
  ): Promise<void> {
    const fields = Object.entries(extra).filter(([, value]) => value !== undefined);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.instance(instance.agentId, instance.instanceId),
        UpdateExpression:
          'SET agentId = :agentId, instanceId = :instanceId, #region = :region, lastHeartbeatAt = :at, ' +
          `firstSeenAt = if_not_exists(firstSeenAt, :at), expiresAt = :expiresAt${fields.map(([name]) => `, ${name} = :${name}`).join('')} ` +
          `REMOVE ${ACK_MARK}`,
        ExpressionAttributeNames: { '#region': 'region' },
        ExpressionAttributeValues: {
          ':agentId': instance.agentId,
          ':instanceId': instance.instanceId,
          ':region': instance.region,
          ':at': at,
          ':expiresAt': epochSeconds(at) + INSTANCE_TTL,
          ...Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
        },
      }),
    );
  }

  public async disconnectInstance(presence: Omit<InstancePresence, 'region'>): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.instance(presence.agentId, presence.instanceId),
          UpdateExpression: `SET lastHeartbeatAt = :at, expiresAt = :expiresAt REMOVE connectionId, connectedAt, ${ACK_MARK}`,
          ConditionExpression: 'connectionId = :connectionId',
          ExpressionAttributeValues: {
            ':at': presence.at,
            ':connectionId': presence.connectionId,
            ':expiresAt': epochSeconds(presence.at) + INSTANCE_TTL,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  public async markInstanceIgnoring(agentId: string, instanceId: string, version: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.instance(agentId, instanceId),
          UpdateExpression: `SET ignoringReportedVersion = :version REMOVE ${ACK_MARK}`,
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(ignoringReportedVersion) OR ignoringReportedVersion < :version)',
          ExpressionAttributeValues: { ':version': version },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  // ---- usage ------------------------------------------------------------------------

  public async addUsage(
    agentId: string,
    windows: { day: string; hour: string },
    delta: UsageDelta,
    requested: UsageLimits = {},
  ): Promise<UsageOutcome> {
    const limits = await this.roomLeftByOtherRegions(agentId, windows, requested);
    const intents = delta.intents ?? 0;
    const cost = delta.costUsd ?? 0;
    if (limits.maxCostUsdPerDay !== undefined && cost > limits.maxCostUsdPerDay) return { ok: false, limit: 'maxCostUsdPerDay' };

    const dayConditions: string[] = [];
    const dayValues: Item = {};
    if (limits.maxIntentsPerDay !== undefined && intents > 0) {
      dayConditions.push('(attribute_not_exists(intents) OR intents <= :maxDay)');
      dayValues[':maxDay'] = limits.maxIntentsPerDay - intents;
    }
    if (limits.maxCostUsdPerDay !== undefined && cost > 0) {
      dayConditions.push('(attribute_not_exists(costUsd) OR costUsd <= :costRoom)');
      dayValues[':costRoom'] = limits.maxCostUsdPerDay - cost;
    }
    const hourConditions: string[] = [];
    const hourValues: Item = {};
    if (limits.maxIntentsPerHour !== undefined && intents > 0) {
      hourConditions.push('(attribute_not_exists(intents) OR intents <= :maxHour)');
      hourValues[':maxHour'] = limits.maxIntentsPerHour - intents;
    }
    if ((limits.maxIntentsPerDay !== undefined && limits.maxIntentsPerDay < intents) ||
        (limits.maxIntentsPerHour !== undefined && limits.maxIntentsPerHour < intents)) {
      return { ok: false, limit: limits.maxIntentsPerDay !== undefined && limits.maxIntentsPerDay < intents ? 'maxIntentsPerDay' : 'maxIntentsPerHour' };
    }

    const now = Math.floor(Date.now() / 1000);
    const update = (window: string, ttl: number, conditions: string[], values: Item) => ({
      TableName: this.tableName,
      Key: keys.usage(agentId, window, this.region),
      UpdateExpression: 'ADD intents :intents, costUsd :cost, succeeded :succeeded, failed :failed, denied :denied SET expiresAt = :expiresAt',
      ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeValues: {
        ':intents': intents,
        ':cost': cost,
        ':succeeded': delta.succeeded ?? 0,
        ':denied': delta.denied ?? 0,
        ':failed': delta.failed ?? 0,
        ':expiresAt': now + ttl,
        ...values,
      },
    });
    const day = update(windows.day, USAGE_DAY_TTL, dayConditions, dayValues);
    const hour = update(windows.hour, USAGE_HOUR_TTL, hourConditions, hourValues);

    if (dayConditions.length === 0 && hourConditions.length === 0) {
      // Hour windows exist for the intents-per-hour limit only: a report without intents
      // (metrics, a refused action) writes the day alone.
      await Promise.all([this.client.send(new UpdateCommand(day)), ...(intents > 0 ? [this.client.send(new UpdateCommand(hour))] : [])]);
      return { ok: true };
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [{ Update: day }, { Update: hour }] }));
      return { ok: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes || !codes.includes('ConditionalCheckFailed')) throw error;
      if (codes[1] === 'ConditionalCheckFailed' && codes[0] !== 'ConditionalCheckFailed') return { ok: false, limit: 'maxIntentsPerHour' };
      // Which limit: judged on the totals of every region against the budget as written.
      const usage = await this.getUsage(agentId, windows.day);
      if (requested.maxIntentsPerDay !== undefined && usage.intents + intents > requested.maxIntentsPerDay) {
        return { ok: false, limit: 'maxIntentsPerDay' };
      }
      if (requested.maxCostUsdPerDay !== undefined && cost > 0) return { ok: false, limit: 'maxCostUsdPerDay' };
      return { ok: false, limit: 'maxIntentsPerHour' };
    }
  }

  /**
   * The limits as they apply to this region's counters: what the other regions have counted
   * (as replicated so far) is taken off, so the regions together keep to the budget.
   */
  private async roomLeftByOtherRegions(
    agentId: string,
    windows: { day: string; hour: string },
    limits: UsageLimits,
  ): Promise<UsageLimits> {
    if (limits.maxIntentsPerDay === undefined && limits.maxIntentsPerHour === undefined && limits.maxCostUsdPerDay === undefined) {
      return limits;
    }
    const others = async (window: string): Promise<UsageRecord> => {
      const [all, own] = await Promise.all([
        this.getUsage(agentId, window),
        this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.usage(agentId, window, this.region), ConsistentRead: true })),
      ]);
      const mine = toUsage(own.Item);
      return { ...all, intents: all.intents - mine.intents, costUsd: all.costUsd - mine.costUsd };
    };
    const [day, hour] = await Promise.all([others(windows.day), limits.maxIntentsPerHour !== undefined ? others(windows.hour) : Promise.resolve(toUsage(undefined))]);
    return {
      ...(limits.maxIntentsPerDay !== undefined ? { maxIntentsPerDay: limits.maxIntentsPerDay - day.intents } : {}),
      ...(limits.maxIntentsPerHour !== undefined ? { maxIntentsPerHour: limits.maxIntentsPerHour - hour.intents } : {}),
      ...(limits.maxCostUsdPerDay !== undefined ? { maxCostUsdPerDay: limits.maxCostUsdPerDay - day.costUsd } : {}),
    };
  }

  /** Usage in `window`, summed over the regions' counters. */
  public async getUsage(agentId: string, window: string): Promise<UsageRecord> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.agent(agentId).pk, ':prefix': `${PREFIX.usage}${window}#` },
      ConsistentRead: true,
    });
    return items.map(toUsage).reduce(
      (sum, u) => ({
        intents: sum.intents + u.intents,
        costUsd: sum.costUsd + u.costUsd,
        succeeded: sum.succeeded + u.succeeded,
        failed: sum.failed + u.failed,
        denied: sum.denied + u.denied,
      }),
      toUsage(undefined),
    );
  }

  public async getUsageOfAgents(agentIds: readonly string[], window: string): Promise<Map<string, UsageRecord>> {
    const ids = [...new Set(agentIds)];
    const usage = await mapWithConcurrency(ids, 16, (id) => this.getUsage(id, window));
    return new Map(ids.map((id, i) => [id, usage[i] ?? toUsage(undefined)]));
  }

  public async markBreach(agentId: string, breach: string, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.agent(agentId).pk, sk: `BREACH#${breach}` },
          UpdateExpression: 'SET expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeValues: { ':expiresAt': expiresAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  public async updateFailureStreak(agentId: string, report: { succeeded: number; failed: number }): Promise<number> {
    const reset = report.succeeded > 0;
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.agent(agentId).pk, sk: 'FAILSTREAK' },
        UpdateExpression: reset ? 'SET streak = :zero' : 'ADD streak :failed',
        ExpressionAttributeValues: reset ? { ':zero': 0 } : { ':failed': report.failed },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.streak ?? 0);
  }

  // ---- hard stop --------------------------------------------------------------------

  public async getSavedConcurrency(agentId: string, functionArn: string): Promise<{ previous: number | null } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.hardStop(agentId, functionArn), ConsistentRead: true }),
    );
    return Item ? { previous: typeof Item.previous === 'number' ? Item.previous : null } : undefined;
  }

  public async saveConcurrency(agentId: string, functionArn: string, previous: number | null): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.hardStop(agentId, functionArn), agentId, functionArn, previous },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ).catch((error: unknown) => {
      // Saved by an earlier try: the first saved setting is the one to restore.
      if (!isConditionFailure(error)) throw error;
    });
  }

  public async forgetConcurrency(agentId: string, functionArn: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.hardStop(agentId, functionArn) }));
  }

  public async listSavedConcurrency(agentId: string): Promise<{ functionArn: string; previous: number | null }[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.hardStop(agentId, '').pk },
      ConsistentRead: true,
    });
    return items.map((item) => ({ functionArn: String(item.functionArn), previous: typeof item.previous === 'number' ? item.previous : null }));
  }

  // ---- checkpoints ------------------------------------------------------------------

  public async putCheckpoint(agentId: string, checkpoint: CheckpointRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.checkpoint(agentId, checkpoint.name), name: checkpoint.name, data: checkpoint.json, savedAt: checkpoint.savedAt },
      }),
    );
  }

  public async getCheckpoint(agentId: string, name: string): Promise<CheckpointRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.checkpoint(agentId, name), ConsistentRead: true }),
    );
    return Item ? { name: Item.name, json: Item.data, savedAt: Item.savedAt } : undefined;
  }

  public async listCheckpoints(agentId: string): Promise<Omit<CheckpointRecord, 'json'>[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.agent(agentId).pk, ':prefix': PREFIX.checkpoint },
      ProjectionExpression: '#name, savedAt',
      ExpressionAttributeNames: { '#name': 'name' },
      ConsistentRead: true,
    });
    return items.map((item) => ({ name: item.name, savedAt: item.savedAt }));
  }

  // ---- keys -------------------------------------------------------------------------

  public async putKey(key: ApiKeyRecord): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: this.keyPuts(key) }));
    } catch (error) {
      if (cancellationCodes(error)?.includes('ConditionalCheckFailed')) {
        throw new ConflictError('key: this key exists already', { cause: error });
      }
      throw error;
    }
  }

  public async getKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.keyByHash(keyHash), ConsistentRead: true }),
    );
    return Item ? toKey(Item) : undefined;
  }

  public async getKeyById(keyId: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.keyById(keyId), ConsistentRead: true }),
    );
    return Item ? toKey(Item) : undefined;
  }

  public async listKeys(): Promise<ApiKeyRecord[]> {
    const items = await this.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :list',
      ExpressionAttributeValues: { ':list': LISTS.keys },
    });
    return items.map(toKey);
  }

  public async deleteKey(key: ApiKeyRecord): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: keys.keyByHash(key.keyHash) } },
          { Delete: { TableName: this.tableName, Key: keys.keyById(key.keyId) } },
        ],
      }),
    );
  }

  public async touchKey(key: ApiKeyRecord, at: string, notBefore: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.keyById(key.keyId),
          UpdateExpression: 'SET lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :notBefore)',
          ExpressionAttributeValues: { ':at': at, ':notBefore': notBefore },
        }),
      );
    } catch (error) {
      // Already noted recently, or revoked meanwhile: both leave nothing to record.
      if (!isConditionFailure(error)) throw error;
    }
  }

  // ---- audit ------------------------------------------------------------------------

  public async putAuditEvent(event: AuditEventRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.audit(event.agentId, event.version),
            gsi1pk: LISTS.audit,
            gsi1sk: `${event.at}#${event.agentId}#${padVersion(event.version)}`,
            itemType: 'audit',
            ...event,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  public async getAuditEvent(agentId: string, version: number): Promise<AuditEventRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.audit(agentId, version), ConsistentRead: true }),
    );
    return Item ? toAudit(Item) : undefined;
  }

  public async getPreviousAuditEvent(agentId: string, beforeVersion: number): Promise<AuditEventRecord | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk < :sk',
        ExpressionAttributeValues: { ':pk': keys.audit(agentId, 0).pk, ':sk': keys.audit(agentId, beforeVersion).sk },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items?.[0];
    return item ? toAudit(item) : undefined;
  }

  public async markAuditPublished(agentId: string, version: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.audit(agentId, version),
        UpdateExpression: 'SET published = :true',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  public async listAudit(options: { agentId?: string; limit: number; cursor?: string }): Promise<Page<AuditEventRecord>> {
    const startKey = decodeCursor(options.cursor);
    const query = options.agentId
      ? {
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.audit(options.agentId, 0).pk },
          ConsistentRead: true,
        }
      : { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :list', ExpressionAttributeValues: { ':list': LISTS.audit } };
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...query,
        ScanIndexForward: false,
        Limit: options.limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return { items: (Items ?? []).map(toAudit), nextCursor: encodeCursor(LastEvaluatedKey) };
  }

  public async listAuditChain(agentId: string): Promise<AuditEventRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.audit(agentId, 0).pk },
      ConsistentRead: true,
    });
    return items.map(toAudit);
  }

  public async listAuditedAgentIds(): Promise<string[]> {
    const items = await this.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :list',
      ExpressionAttributeValues: { ':list': LISTS.audit },
      ProjectionExpression: 'agentId',
    });
    return [...new Set(items.map((item) => String(item.agentId)))].sort();
  }

  public async ping(): Promise<void> {
    await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
  }

  // ---- helpers ----------------------------------------------------------------------

  private keyPuts(key: ApiKeyRecord) {
    const common = {
      keyId: key.keyId,
      keyHash: key.keyHash,
      name: key.name,
      role: key.role,
      agentId: key.agentId,
      createdAt: key.createdAt,
    };
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.keyByHash(key.keyHash), itemType: 'key', ...common },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.keyById(key.keyId), itemType: 'key', gsi1pk: LISTS.keys, gsi1sk: `${key.createdAt}#${key.keyId}`, ...common },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  private async conflictFor(agentId: string, expectedVersion: number, cause: unknown): Promise<Error> {
    const current = await this.getAgent(agentId);
    if (!current || current.deleted) return new AgentNotFoundError(agentId);
    return new VersionConflictError(agentId, expectedVersion, current.version, { cause });
  }

  /** Remove an agent's instances, checkpoints and usage (everything under its key but the agent item). */
  private async purgeAgentChildren(agentId: string): Promise<void> {
    const items = (
      await this.queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.agent(agentId).pk },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      })
    ).filter((item) => item.sk !== 'AGENT');
    for (const batch of chunk(items, 25)) {
      let requests = batch.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`could not delete ${requests.length} items of agent ${agentId}`);
        const { UnprocessedItems } = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  private async batchGet(keyList: Item[]): Promise<Item[]> {
    const out: Item[] = [];
    for (const batch of chunk(keyList, 100)) {
      let pending: Item[] = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`could not read ${pending.length} items after retries`);
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        out.push(...(Responses?.[this.tableName] ?? []));
        pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
    return out;
  }

  private async queryAll(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<Item[]> {
    const out: Item[] = [];
    let startKey: Item | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({ TableName: this.tableName, ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      out.push(...(Items ?? []));
      startKey = LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}

