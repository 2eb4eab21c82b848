/**
 * WebSocket connections of one region: who is connected (an agent instance, or an operator or
 * viewer watching), found by id, by agent (or as a watcher) and by the key it was opened with.
 * Each connection's items are written before `$connect` answers, so a push (which reads by
 * agent, strongly consistent) never misses one that was accepted, and a revoked key finds
 * every connection it opened.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../../sdk/protocol/schemas';
import { connectionKeys } from './table-schema';

export interface ConnectionRecord {
  connectionId: string;
  role: Role;
  keyId: string;
  keyName: string;
  /** Agent connections: the agent and instance. */
  agentId?: string;
  instanceId?: string;
  /** Operator/viewer connections that receive every agent change. */
  watch: boolean;
  connectedAt: string;
}

/**
 * API Gateway closes WebSocket connections after two hours at most, so an item set to expire
 * three hours after `$connect` outlives its connection without ever being refreshed (a write
 * per message would be most of the bill: docs/cost.md).
 */
export const CONNECTION_TTL_SECONDS = 3 * 3600;

/**
 * How long a connection may be in its `$connect` (API Gateway waits up to 29 s for the route's
 * integration). Until `$connect` returns, a post to the connection answers 410 Gone although it
 * is about to open, so a "gone" connection younger than this is not forgotten.
 */
export const CONNECT_WINDOW_MS = 30_000;

export interface ConnectionRepository {
  put(connection: ConnectionRecord): Promise<void>;
  get(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Remove the connection (idempotent); pass the record when it was just read. */
  remove(connectionId: string, known?: ConnectionRecord): Promise<void>;
  /**
   * A post found the connection gone (410) at `goneAt`: remove it, unless it connected within
   * `CONNECT_WINDOW_MS` of that (its `$connect` may not have returned yet). True if removed.
   */
  removeGone(connectionId: string, goneAt: Date): Promise<boolean>;
  ofAgent(agentId: string): Promise<ConnectionRecord[]>;
  /**
   * The agent's connections as a fan-out needs them (id and instance), a page at a time
   * (DynamoDB's 1 MB pages, a few thousand connections each), so pushes start before the
   * last page is read.
   */
  pagesOfAgent(agentId: string): AsyncIterable<ConnectionTarget[]>;
  watchers(): Promise<ConnectionRecord[]>;
  /** Connections opened with `keyId` (to close them when it is revoked). */
  ofKey(keyId: string): Promise<ConnectionRecord[]>;
}

export type ConnectionTarget = Pick<ConnectionRecord, 'connectionId' | 'instanceId'>;

type Item = Record<string, unknown>;

const toConnection = (item: Item): ConnectionRecord => ({
  connectionId: item.connectionId as string,
  role: item.role as Role,
  keyId: item.keyId as string,
  keyName: item.keyName as string,
  ...(typeof item.agentId === 'string' ? { agentId: item.agentId } : {}),
  ...(typeof item.instanceId === 'string' ? { instanceId: item.instanceId } : {}),
  watch: item.watch === true,
  connectedAt: item.connectedAt as string,
});

export class DynamoConnectionRepository implements ConnectionRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** The items besides the one by id: by agent or as a watcher, and by key. */
  private secondaryKeys(connection: ConnectionRecord) {
    const byAgentOrWatch = connection.agentId
      ? connectionKeys.ofAgent(connection.agentId, connection.connectionId)
      : connection.watch
        ? connectionKeys.watcher(connection.connectionId)
        : undefined;
    return [...(byAgentOrWatch ? [byAgentOrWatch] : []), connectionKeys.ofKey(connection.keyId, connection.connectionId)];
  }

  public async put(connection: ConnectionRecord): Promise<void> {
    const expiresAt = Math.floor(Date.parse(connection.connectedAt) / 1000) + CONNECTION_TTL_SECONDS;
    const item = { ...connection, expiresAt };
    // Plain puts, not a transaction (which bills twice): if one fails, `$connect` fails and
    // API Gateway refuses the connection, so a push can at worst find an item of a connection
    // that never opened, which answers Gone and is removed; the TTL sweeps the rest.
    await Promise.all(
      [connectionKeys.byId(connection.connectionId), ...this.secondaryKeys(connection)].map((key) =>
        this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...key, ...item } })),
      ),
    );
  }

  public async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: connectionKeys.byId(connectionId), ConsistentRead: true }),
    );
    return Item ? toConnection(Item) : undefined;
  }

  public async remove(connectionId: string, known?: ConnectionRecord): Promise<void> {
    const connection = known ?? (await this.get(connectionId));
    await Promise.all(
      [connectionKeys.byId(connectionId), ...(connection ? this.secondaryKeys(connection) : [])].map((key) =>
        this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key })),
      ),
    );
  }

  public async removeGone(connectionId: string, goneAt: Date): Promise<boolean> {
    const connection = await this.get(connectionId);
    if (!connection) return false;
    if (goneAt.getTime() - Date.parse(connection.connectedAt) < CONNECT_WINDOW_MS) return false;
    await this.remove(connectionId, connection);
    return true;
  }

  public async ofAgent(agentId: string): Promise<ConnectionRecord[]> {
    return this.queryPartition(connectionKeys.ofAgent(agentId, '').pk);
  }

  public async *pagesOfAgent(agentId: string): AsyncIterable<ConnectionTarget[]> {
    for await (const items of this.pages(connectionKeys.ofAgent(agentId, '').pk, 'connectionId, instanceId')) {
      yield items.map((item) => ({
        connectionId: item.connectionId as string,
        ...(typeof item.instanceId === 'string' ? { instanceId: item.instanceId } : {}),
      }));
    }
  }

  public async watchers(): Promise<ConnectionRecord[]> {
    return this.queryPartition(connectionKeys.watcher('').pk);
  }

  public async ofKey(keyId: string): Promise<ConnectionRecord[]> {
    return this.queryPartition(connectionKeys.ofKey(keyId, '').pk);
  }

  private async queryPartition(pk: string): Promise<ConnectionRecord[]> {
    const out: ConnectionRecord[] = [];
    for await (const items of this.pages(pk)) out.push(...items.map(toConnection));
    return out;
  }

  /** The partition's items a page at a time (strongly consistent: a push never misses an accepted connection). */
  private async *pages(pk: string, projection?: string): AsyncIterable<Item[]> {
    let start: Item | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ...(projection ? { ProjectionExpression: projection } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      yield Items ?? [];
      start = LastEvaluatedKey;
    } while (start);
  }
}
