import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { startDynamoEngine, type DynamoEngine } from '../../../infra/local/dynamo-engine';
import { startStreamPoller, type FailedBatch, type StreamPollerOptions } from '../../../infra/local/stream-poller';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('stream poller', () => {
  const dir = mkdtempSync(join(tmpdir(), 'halt-poller-'));
  let engine: DynamoEngine;
  let client: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let tableCount = 0;

  beforeAll(async () => {
    engine = await startDynamoEngine({ dataDir: join(dir, 'db') });
    client = new DynamoDBClient({ region: 'local-1', endpoint: engine.endpoint, credentials });
    streams = new DynamoDBStreamsClient({ region: 'local-1', endpoint: engine.endpoint, credentials });
  });

  afterAll(async () => {
    client.destroy();
    streams.destroy();
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const newTable = async (): Promise<{ table: string; streamArn: string }> => {
    const table = `table-${++tableCount}`;
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (!Table?.LatestStreamArn) throw new Error('no stream');
    return { table, streamArn: Table.LatestStreamArn };
  };

  const put = (table: string, pk: string, extra: Record<string, unknown> = {}) =>
    client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...(extra as object) } }));

  /** A poller of `streamArn` as these tests run it (polling every 20 ms), with `options`. */
  const pollerOn = (streamArn: string, options: Omit<StreamPollerOptions, 'streamsClient' | 'streamArn' | 'region'>) =>
    startStreamPoller({ streamsClient: streams, streamArn, region: 'local-1', pollIntervalMs: 20, ...options });

  const pks = (records: DynamoDBRecord[]) => records.map((r) => r.dynamodb?.Keys?.pk?.S);

  it('delivers records in order, in Lambda shape', async () => {
    const { table, streamArn } = await newTable();
    await put(table, 'a', { policy: { M: {} } });
    await put(table, 'b');
    const seen: DynamoDBRecord[] = [];
    const poller = pollerOn(streamArn, {
      handler: async (event: DynamoDBStreamEvent) => {
        seen.push(...event.Records);
      },
    });
    await poller.idle();
    await poller.stop();
    expect(pks(seen)).toEqual(['a', 'b']);
    const first = seen[0];
    expect(first).toMatchObject({ eventName: 'INSERT', eventSource: 'aws:dynamodb', awsRegion: 'local-1', eventSourceARN: streamArn });
    // Lambda sends epoch seconds, not a Date
    expect(typeof first?.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(Math.abs((first?.dynamodb?.ApproximateCreationDateTime ?? 0) - Date.now() / 1000)).toBeLessThan(600);
    // an empty map arrives as Lambda sends it
    expect(first?.dynamodb?.NewImage?.policy).toEqual({ M: {} });
  });

  it('retries from the first reported failure and never redelivers what succeeded', async () => {
    const { table, streamArn } = await newTable();
    await put(table, 'r1');
    await put(table, 'r2');
    await put(table, 'r3');
    const calls: (string | undefined)[][] = [];
    let failedOnce = false;
    const errors: Error[] = [];
    const poller = pollerOn(streamArn, {
      onError: (e) => errors.push(e),
      handler: async (event): Promise<DynamoDBBatchResponse> => {
        calls.push(pks(event.Records));
        const second = event.Records.find((r) => r.dynamodb?.Keys?.pk?.S === 'r2');
        if (!failedOnce && second?.dynamodb?.SequenceNumber) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: second.dynamodb.SequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
    });
    await poller.idle();
    await poller.stop();
    expect(calls).toEqual([
      ['r1', 'r2', 'r3'],
      ['r2', 'r3'],
    ]);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('retries a batch whose handler throws', async () => {
    const { table, streamArn } = await newTable();
    await put(table, 't1');
    let attempts = 0;
    const delivered: (string | undefined)[] = [];
    const poller = pollerOn(streamArn, {
      onError: () => undefined,
      handler: async (event) => {
        attempts++;
        if (attempts === 1) throw new Error('consumer down');
        delivered.push(...pks(event.Records));
      },
    });
    await poller.idle();
    await poller.stop();
    expect(attempts).toBe(2);
    expect(delivered).toEqual(['t1']);
  });

  it('applies the filter and resumes from its checkpoint file after a restart', async () => {
    const { table, streamArn } = await newTable();
    const checkpointFile = join(dir, `positions-${tableCount}.json`);
    const seen: (string | undefined)[] = [];
    const start = () =>
      pollerOn(streamArn, {
        checkpointFile,
        filter: (r) => r.dynamodb?.Keys?.pk?.S?.startsWith('keep') === true,
        handler: async (event) => {
          seen.push(...pks(event.Records));
        },
      });
    await put(table, 'keep-1');
    await put(table, 'skip-1');
    const first = start();
    await first.idle();
    await first.stop();
    await put(table, 'keep-2');
    const second = start();
    await second.idle();
    await second.stop();
    expect(seen).toEqual(['keep-1', 'keep-2']);
  });

  it('gives up on a record after its retries, bisecting first, sends it to the on-failure destination and moves on', async () => {
    const { table, streamArn } = await newTable();
    for (const pk of ['a', 'b', 'poison', 'c', 'd']) await put(table, pk);
    const attempts = new Map<string, number>();
    const delivered: (string | undefined)[] = [];
    const failed: FailedBatch[] = [];
    const poller = pollerOn(streamArn, {
      retryAttempts: 2,
      retryBaseDelayMs: 1,
      // The poison record's failures are the point: not reported on stderr.
      onError: () => undefined,
      onFailure: async (batch) => {
        failed.push(batch);
      },
      // Throws for the whole batch while it holds the poison record: only bisecting isolates it.
      handler: async (event) => {
        const keys = pks(event.Records);
        for (const key of keys) attempts.set(key ?? '', (attempts.get(key ?? '') ?? 0) + 1);
        if (keys.includes('poison')) throw new Error('cannot audit this one');
        delivered.push(...keys);
      },
    });
    await waitUntil(() => delivered.length === 4 && failed.length === 1);
    await poller.stop();
    expect(delivered.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(failed).toHaveLength(1);
    expect(pks([...(failed[0]?.records ?? [])])).toEqual(['poison']);
    expect(failed[0]).toMatchObject({ streamArn, attempts: 3, lastError: 'Error: cannot audit this one' });
    // Each record that succeeded was delivered once; the poison one got its attempts at every bisect level.
    expect(attempts.get('poison')).toBeGreaterThan(3);
  });
});

const waitUntil = async (check: () => boolean, ceilingMs = 15_000) => {
  const deadline = Date.now() + ceilingMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};
