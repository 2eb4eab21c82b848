/**
 * What every kind of item in the state table is read and written with: the document client
 * and table name, paged queries, batched reads and deletes with their unprocessed-item
 * retries, and the conditional-failure checks. The item modules (`*-items.ts`) build on it.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { ValidationError } from '../../domain/errors';

export type Item = Record<string, NativeAttributeValue>;
export type QueryInput = Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>;

export const DAY_SECONDS = 86_400;

export const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** A failed `ConditionExpression` of a single write. */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/** The cancellation reason of each item of a failed transaction, in order; undefined for other errors. */
export const cancellationCodes = (error: unknown): string[] | undefined => {
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

const backOff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));

const CURSOR_FIELDS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** A page's `LastEvaluatedKey` as the opaque cursor the API returns. */
export const encodeCursor = (key: Item | undefined): string | undefined =>
  key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;

/** A cursor back to a start key; a cursor this API did not return is a 400 naming the field. */
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

export interface TableAccessOptions {
  /** A document client built with `removeUndefinedValues: true`. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The region this process writes from (its usage counters are its own). */
  readonly region: string;
}

export class TableAccess {
  public readonly client: DynamoDBDocumentClient;
  public readonly tableName: string;
  public readonly region: string;

  public constructor(options: TableAccessOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.region = options.region;
  }

  public async get(key: Item, options: { consistent?: boolean } = {}): Promise<Item | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: options.consistent ?? true }));
    return Item;
  }

  /** Every page of a query. */
  public async queryAll(input: QueryInput): Promise<Item[]> {
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

  /** Every item under one partition key (consistent). */
  public queryPartition(pk: string, extra: Omit<QueryInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'> = {}): Promise<Item[]> {
    return this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true, ...extra });
  }

  /** The items under one partition key whose sort key starts with `prefix` (consistent). */
  public queryPrefix(pk: string, prefix: string, extra: Omit<QueryInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'> = {}): Promise<Item[]> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ConsistentRead: true,
      ...extra,
    });
  }

  /** Consistent reads of many keys, 100 a request, unprocessed keys retried. */
  public async batchGet(keyList: readonly Item[]): Promise<Item[]> {
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
        if (pending.length > 0) await backOff(attempt);
      }
    }
    return out;
  }

  /** Delete many keys, 25 a request, unprocessed deletes retried. */
  public async batchDelete(keyList: readonly Item[]): Promise<void> {
    for (const batch of chunk(keyList, 25)) {
      let requests = batch.map((key) => ({ DeleteRequest: { Key: key } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`could not delete ${requests.length} items after retries`);
        const { UnprocessedItems } = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0) await backOff(attempt);
      }
    }
  }

  /** Run a conditional write: true when written, false when its condition failed. */
  public async conditionally(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
