/**
 * Reads a DynamoDB table stream and calls a Lambda-style consumer with real
 * `DynamoDBStreamEvent` batches, the way Lambda's event source mapping does: records in order
 * per shard, parents before children, the event filter applied, and partial batch responses
 * honoured (everything before the first reported failure is done; the rest is retried with
 * backoff). Nothing is skipped. The position per shard is kept in a checkpoint file so a
 * restart continues where it stopped.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export interface StreamPollerOptions {
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly region: string;
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /** Lambda event filtering: records it rejects are skipped and count as done. */
  readonly filter?: (record: DynamoDBRecord) => boolean;
  /** @default 100 */
  readonly batchSize?: number;
  /** Pause between polls when the stream is quiet. @default 200 */
  readonly pollIntervalMs?: number;
  /** Where positions are kept between restarts; none: start from the oldest record. */
  readonly checkpointFile?: string;
  /**
   * Retries of a failing batch after its first attempt, as the event source mapping's
   * `MaximumRetryAttempts`; past them the batch is halved (`BisectBatchOnFunctionError`, which
   * costs no retries) and a single record that still fails goes to `onFailure`, and the shard
   * moves on. Absent: retry for ever (nothing ever skipped).
   */
  readonly retryAttempts?: number;
  /** The on-failure destination: records given up on, with the batch's shard and sequence numbers. */
  readonly onFailure?: (failed: FailedBatch) => Promise<void>;
  /** Pause before a retry, doubling from this. @default 100 */
  readonly retryBaseDelayMs?: number;
  readonly onError?: (error: Error) => void;
}

/** A batch the event source mapping gave up on, as its on-failure destination receives it. */
export interface FailedBatch {
  readonly shardId: string;
  readonly streamArn: string;
  readonly records: readonly DynamoDBRecord[];
  /** Attempts made on the last, single-record batch. */
  readonly attempts: number;
  readonly lastError: string;
}

export interface StreamPoller {
  /** Resolves once a full pass over the stream, begun after the call, found nothing new. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface ShardState {
  readonly shardId: string;
  readonly parentShardId?: string;
  iterator?: string;
  done: boolean;
}

const MAX_BACKOFF_MS = 5_000;
const DISCOVER_EVERY_MS = 1_000;

type WireValue = Record<string, unknown>;

/**
 * One attribute value as Lambda's JSON carries it. The Streams client decodes an empty map
 * (`{"M":{}}`) to `{}` and binaries to bytes; Lambda sends `{"M":{}}` and base64 strings.
 */
const toWireValue = (value: unknown): WireValue => {
  const v = (value ?? {}) as Record<string, unknown>;
  const defined = Object.entries(v).filter(([, x]) => x !== undefined);
  if (defined.length === 0) return { M: {} };
  const [type, inner] = defined[0] as [string, unknown];
  if (type === 'M') return { M: toWireImage(inner as Record<string, unknown>) };
  if (type === 'L') return { L: (inner as unknown[]).map(toWireValue) };
  if (type === 'B') return { B: Buffer.from(inner as Uint8Array).toString('base64') };
  if (type === 'BS') return { BS: (inner as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')) };
  return { [type]: inner };
};

const toWireImage = (image: Record<string, unknown>): Record<string, WireValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toWireValue(value)]));

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;
const wireImage = (image: Record<string, unknown> | undefined): Image | undefined =>
  image ? (toWireImage(image) as unknown as Image) : undefined;

/** Convert a record from the Streams API into the shape Lambda delivers. */
export const toLambdaRecord = (record: StreamRecord, streamArn: string, region: string): DynamoDBRecord => {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime as Date | number | undefined;
  const seconds =
    created instanceof Date ? Math.floor(created.getTime() / 1000) : typeof created === 'number' ? created : undefined;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(seconds !== undefined ? { ApproximateCreationDateTime: seconds } : {}),
      ...(data.Keys ? { Keys: wireImage(data.Keys) } : {}),
      ...(data.NewImage ? { NewImage: wireImage(data.NewImage) } : {}),
      ...(data.OldImage ? { OldImage: wireImage(data.OldImage) } : {}),
      SequenceNumber: data.SequenceNumber,
      SizeBytes: data.SizeBytes,
      StreamViewType: data.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
};

const errorName = (error: unknown): string => (error instanceof Error ? error.name : '');

export const startStreamPoller = (options: StreamPollerOptions): StreamPoller => {
  const client = options.streamsClient;
  const batchSize = options.batchSize ?? 100;
  const pollInterval = options.pollIntervalMs ?? 200;
  const report = options.onError ?? ((error: Error) => console.error('[halt stream poller]', error.message));
  const positions: Record<string, string> = loadPositions(options.checkpointFile);
  const shards = new Map<string, ShardState>();
  let stopped = false;
  let lastDiscovery = 0;
  let round = 0;
  let wake: (() => void) | undefined;
  const idleWaiters: { after: number; resolve: () => void }[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const savePositions = () => {
    if (!options.checkpointFile) return;
    const tmp = `${options.checkpointFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ shards: positions }));
    renameSync(tmp, options.checkpointFile);
  };

  const discover = async () => {
    let start: string | undefined;
    do {
      const { StreamDescription } = await client.send(
        new DescribeStreamCommand({ StreamArn: options.streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || shards.has(shard.ShardId)) continue;
        shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
          done: false,
        });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    lastDiscovery = Date.now();
  };

  const iteratorFor = async (shard: ShardState): Promise<string | undefined> => {
    const after = positions[shard.shardId];
    try {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: options.streamArn,
          ShardId: shard.shardId,
          ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      return ShardIterator;
    } catch (error) {
      if (after && errorName(error) === 'TrimmedDataAccessException') {
        report(new Error(`shard ${shard.shardId}: position ${after} was trimmed; reading from the oldest record`));
        const { ShardIterator } = await client.send(
          new GetShardIteratorCommand({ StreamArn: options.streamArn, ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        return ShardIterator;
      }
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };

  /**
   * Deliver `records` (all of one shard, in order) until every one is done, or given up on and
   * handed to the on-failure destination (when `retryAttempts` is set).
   */
  const deliver = async (shardId: string, records: DynamoDBRecord[]) => {
    let pending = records;
    let attempt = 0;
    /** Halved after its retries ran out (bisect), until the records of the batch that failed are through. */
    let size = batchSize;
    let bisecting = 0;
    const through = (count: number) => {
      bisecting = Math.max(0, bisecting - count);
      if (bisecting === 0) size = batchSize;
    };
    let lastError = '';
    while (pending.length > 0 && !stopped) {
      const batch = pending.slice(0, size);
      const selected = options.filter ? batch.filter(options.filter) : batch;
      let doneCount = batch.length;
      if (selected.length > 0) {
        try {
          const response = await options.handler({ Records: selected });
          const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
          if (failed.size > 0) {
            const firstFailed = batch.findIndex((r) => r.dynamodb?.SequenceNumber !== undefined && failed.has(r.dynamodb.SequenceNumber));
            doneCount = firstFailed < 0 ? 0 : firstFailed;
            lastError = `${failed.size} record(s) reported failed`;
            report(new Error(`shard ${shardId}: ${failed.size} record(s) failed; retrying from the first of them`));
          }
        } catch (error) {
          doneCount = 0;
          lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          report(error instanceof Error ? error : new Error(String(error)));
        }
      }
      markDone(shardId, batch.slice(0, doneCount));
      pending = pending.slice(doneCount);
      through(doneCount);
      if (doneCount === batch.length) {
        attempt = 0;
        continue;
      }
      if (doneCount > 0) attempt = 0;
      attempt++;
      if (options.retryAttempts !== undefined && attempt > options.retryAttempts) {
        const failing = pending.slice(0, size);
        if (failing.length > 1) {
          // Bisect: retry each half with a fresh count, until one record is left failing.
          bisecting = Math.max(bisecting, failing.length);
          size = Math.ceil(failing.length / 2);
          attempt = 0;
          continue;
        }
        await options.onFailure?.({ shardId, streamArn: options.streamArn, records: failing, attempts: attempt, lastError });
        report(new Error(`shard ${shardId}: record ${failing[0]?.dynamodb?.SequenceNumber ?? '?'} failed ${attempt} times; sent to the on-failure destination`));
        markDone(shardId, failing);
        pending = pending.slice(failing.length);
        through(failing.length);
        attempt = 0;
        continue;
      }
      await sleep(Math.min(MAX_BACKOFF_MS, (options.retryBaseDelayMs ?? 100) * 2 ** Math.min(attempt, 6)));
    }
  };

  const markDone = (shardId: string, done: readonly DynamoDBRecord[]) => {
    const lastDone = done[done.length - 1]?.dynamodb?.SequenceNumber;
    if (lastDone) {
      positions[shardId] = lastDone;
      savePositions();
    }
  };

  const pollShard = async (shard: ShardState): Promise<number> => {
    shard.iterator ??= await iteratorFor(shard);
    if (!shard.iterator) {
      shard.done = true;
      return 0;
    }
    let result;
    try {
      result = await client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
    } catch (error) {
      if (errorName(error) === 'ExpiredIteratorException' || errorName(error) === 'TrimmedDataAccessException') {
        shard.iterator = undefined;
        return 0;
      }
      throw error;
    }
    const records = (result.Records ?? []).map((r) => toLambdaRecord(r, options.streamArn, options.region));
    if (records.length > 0) await deliver(shard.shardId, records);
    if (stopped) return records.length;
    shard.iterator = result.NextShardIterator;
    if (!shard.iterator) shard.done = true;
    return records.length;
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      const thisRound = ++round;
      let seen = 0;
      try {
        if (shards.size === 0 || Date.now() - lastDiscovery > DISCOVER_EVERY_MS) await discover();
        for (const shard of shards.values()) {
          if (stopped) break;
          if (shard.done) continue;
          const parent = shard.parentShardId ? shards.get(shard.parentShardId) : undefined;
          if (parent && !parent.done) continue;
          seen += await pollShard(shard);
        }
        failures = 0;
      } catch (error) {
        failures++;
        seen = 1;
        report(error instanceof Error ? error : new Error(String(error)));
        // The engine may have restarted: iterators it handed out are gone. Start again from the
        // saved positions (nothing past them was acknowledged, so nothing is skipped).
        for (const shard of shards.values()) shard.iterator = undefined;
        lastDiscovery = 0;
        await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 6)));
      }
      if (seen === 0) {
        for (const waiter of idleWaiters.splice(0)) {
          if (waiter.after < thisRound) waiter.resolve();
          else idleWaiters.push(waiter);
        }
        if (!stopped) await sleep(pollInterval);
      }
    }
    for (const waiter of idleWaiters.splice(0)) waiter.resolve();
  };

  const running = loop();

  return {
    idle: () => new Promise<void>((resolve) => idleWaiters.push({ after: round, resolve })),
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
    },
  };
};

const loadPositions = (file: string | undefined): Record<string, string> => {
  if (!file || !existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { shards?: Record<string, string> };
  return { ...(parsed.shards ?? {}) };
};
