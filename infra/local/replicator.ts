/**
 * What DynamoDB global tables do between replicas, for the local regions: every write in one
 * engine's table reaches the others within about a second (the stream pollers run every
 * 100 ms), and concurrent writes to one item settle on the last one written, in every region.
 *
 * How: one stream reader per region. A write the replicator did not make itself is the new
 * "latest" of its item (in the order the replicator sees writes); the item is then made equal
 * to it in every other region that differs (put, or delete for a removal). The replicator's
 * own writes come back through the streams as echoes and are recognised by their content, so
 * nothing bounces. A region whose own write was overwritten by an older copy from elsewhere
 * gets the later write back, so regions cannot end up different.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { startStreamPoller, type StreamPoller } from './stream-poller';

export interface ReplicaEndpoint {
  readonly region: string;
  readonly client: DynamoDBClient;
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
}

export interface ReplicatorOptions {
  readonly tableName: string;
  /** The key attributes of the table. */
  readonly keyNames: readonly string[];
  readonly replicas: readonly ReplicaEndpoint[];
  /** Where the stream positions are kept. */
  readonly stateDir: string;
  /** Hold every replicated write back this long (fault tests: slow replication). @default 0 */
  readonly delayMs?: number;
  /** @default 100 */
  readonly pollIntervalMs?: number;
  readonly onError?: (error: Error) => void;
}

export interface Replicator {
  /** Resolves once every write made so far has reached every region. */
  idle(): Promise<void>;
  /** Items copied between regions so far. */
  readonly copies: () => number;
  setDelay(ms: number): void;
  stop(): Promise<void>;
}

type Item = Record<string, AttributeValue>;

/** Attribute values in a canonical JSON form, so equal items hash the same. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
};

const fingerprint = (item: Item | undefined): string =>
  item === undefined ? 'absent' : createHash('sha256').update(canonical(item)).digest('hex');

export const startReplicator = async (options: ReplicatorOptions): Promise<Replicator> => {
  const report = options.onError ?? ((error: Error) => console.error('[halt replicator]', error.message));
  const dir = join(options.stateDir, 'replication');
  mkdirSync(dir, { recursive: true });
  let delayMs = options.delayMs ?? 0;
  let copies = 0;
  /** Per region and item: fingerprints of writes the replicator made there, not yet seen back. */
  const echoes = new Map<string, Map<string, string[]>>(options.replicas.map((r) => [r.region, new Map()]));
  /** Per region and item: the fingerprint of the last write the replicator made there. */
  const ours = new Map<string, Map<string, string>>(options.replicas.map((r) => [r.region, new Map()]));
  /** Per item: the chain of reconciles, so one item is worked on by one task at a time. */
  const chains = new Map<string, Promise<void>>();
  const keyOf = (keys: Item) => canonical(Object.fromEntries(options.keyNames.map((k) => [k, keys[k]])));

  const current = async (replica: ReplicaEndpoint, key: Item): Promise<Item | undefined> =>
    (await replica.client.send(new GetItemCommand({ TableName: options.tableName, Key: key, ConsistentRead: true }))).Item;

  const write = async (replica: ReplicaEndpoint, key: Item, item: Item | undefined) => {
    const pending = echoes.get(replica.region) as Map<string, string[]>;
    const id = keyOf(key);
    pending.set(id, [...(pending.get(id) ?? []), fingerprint(item)]);
    (ours.get(replica.region) as Map<string, string>).set(id, fingerprint(item));
    if (item) await replica.client.send(new PutItemCommand({ TableName: options.tableName, Item: item }));
    else await replica.client.send(new DeleteItemCommand({ TableName: options.tableName, Key: key }));
    copies++;
  };

  /**
   * Make `key` equal to `latest` in every region that differs. The region the write came from
   * is only touched when what it holds now is a copy the replicator put there (its own write
   * was overwritten by an older one from elsewhere); if it holds a newer write of its own, that
   * write is on its way through the stream and will win in turn.
   */
  const reconcile = async (key: Item, latest: Item | undefined, source: string) => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const id = keyOf(key);
    for (const replica of options.replicas) {
      const now = fingerprint(await current(replica, key));
      if (now === fingerprint(latest)) continue;
      if (replica.region === source && ours.get(replica.region)?.get(id) !== now) continue;
      await write(replica, key, latest);
    }
  };

  const serialize = (id: string, task: () => Promise<void>): Promise<void> => {
    const next = (chains.get(id) ?? Promise.resolve()).then(task, task);
    chains.set(id, next);
    void next.finally(() => {
      if (chains.get(id) === next) chains.delete(id);
    });
    return next;
  };

  const handlerFor = (replica: ReplicaEndpoint) => async (event: { Records: DynamoDBRecord[] }) => {
    for (const record of event.Records) {
      const keys = record.dynamodb?.Keys as Item | undefined;
      if (!keys) continue;
      const image = record.eventName === 'REMOVE' ? undefined : (record.dynamodb?.NewImage as Item | undefined);
      const id = keyOf(keys);
      const print = fingerprint(image);
      const pending = echoes.get(replica.region) as Map<string, string[]>;
      const expected = pending.get(id);
      const echo = expected?.indexOf(print) ?? -1;
      if (expected && echo >= 0) {
        expected.splice(echo, 1);
        if (expected.length === 0) pending.delete(id);
        continue;
      }
      await serialize(id, () => reconcile(keys, image, replica.region));
    }
  };

  // A region joining for the first time gets what the others already hold (as a new replica does).
  for (const source of options.replicas) {
    for (const target of options.replicas) {
      if (source === target || existsSync(join(dir, `${source.region}.json`))) continue;
      let start: Item | undefined;
      do {
        const page = await source.client.send(
          new ScanCommand({ TableName: options.tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
        );
        for (const item of page.Items ?? []) {
          const key = Object.fromEntries(options.keyNames.map((k) => [k, item[k] as AttributeValue]));
          if ((await current(target, key)) === undefined) await write(target, key, item);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }

  const pollers: StreamPoller[] = options.replicas.map((replica) =>
    startStreamPoller({
      streamsClient: replica.streamsClient,
      streamArn: replica.streamArn,
      region: replica.region,
      pollIntervalMs: options.pollIntervalMs ?? 100,
      batchSize: 100,
      checkpointFile: join(dir, `${replica.region}.json`),
      handler: handlerFor(replica),
      onError: report,
    }),
  );

  return {
    idle: async () => {
      // Twice: a reconcile's own writes show up in the streams as echoes to be consumed.
      for (let round = 0; round < 2; round++) {
        await Promise.all(pollers.map((p) => p.idle()));
        await Promise.all([...chains.values()]);
      }
    },
    copies: () => copies,
    setDelay: (ms) => {
      delayMs = ms;
    },
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      await Promise.allSettled([...chains.values()]);
    },
  };
};
