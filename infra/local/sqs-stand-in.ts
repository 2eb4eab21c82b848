/**
 * A stand-in for the SQS calls Halt makes and the Lambda event source that reads the queue, so
 * the handlers use the real `@aws-sdk/client-sqs` (AWS JSON 1.0 protocol): `SendMessage` with
 * a per-message `DelaySeconds` (0–900, as SQS allows). A message becomes visible when its delay
 * is over and is handed to the queue's consumer in batches of up to 10; what the consumer
 * reports as `batchItemFailures` (or everything, if it throws) is delivered again after the
 * visibility timeout, and after `maxReceiveCount` receives it moves to the dead-letter list, as
 * the stack's redrive policy does. Pending messages are kept in `<dir>/<queue>.json`, so they
 * outlive a restart as the rest of the state dir does.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT } from './lambda-context';
import { closeServer, KEEP_ALIVE, listen, readBody } from './http-server';

export interface SqsQueueSettings {
  readonly name: string;
  /** @default 60000 (the stack's: well over the consumer's timeout) */
  readonly visibilityTimeoutMs?: number;
  /** @default 5 (the stack's redrive policy) */
  readonly maxReceiveCount?: number;
}

export interface SqsStandIn {
  readonly endpoint: string;
  queueUrl(name: string): string;
  /** The queue's event source: batches of visible messages go to `consumer`. */
  consume(name: string, consumer: (event: SQSEvent) => Promise<SQSBatchResponse | void>): void;
  /** Messages not yet delivered successfully (waiting out a delay or a retry, or in flight). */
  pending(name: string): number;
  /** Messages that failed `maxReceiveCount` times. */
  deadLetters(name: string): readonly string[];
  /** Resolves when no batch is being handled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface StoredMessage {
  id: string;
  body: string;
  visibleAt: number;
  receiveCount: number;
  sentAt: number;
}

const MAX_DELAY_SECONDS = 900;
const BATCH_SIZE = 10;

const jsonError = (res: ServerResponse, status: number, type: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${type};Sender` });
  res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }));
};

export const startSqsStandIn = async (options: { dir: string; region: string; queues: readonly SqsQueueSettings[]; host?: string; onError?: (error: Error) => void }): Promise<SqsStandIn> => {
  const host = options.host ?? '127.0.0.1';
  const report = options.onError ?? ((error: Error) => console.error('[halt local sqs]', error.message));
  mkdirSync(options.dir, { recursive: true });
  const settings = new Map(options.queues.map((q) => [q.name, q]));
  const fileOf = (name: string) => join(options.dir, `${name}.json`);
  const messages = new Map<string, StoredMessage[]>();
  const dead = new Map<string, string[]>();
  for (const q of options.queues) {
    messages.set(q.name, existsSync(fileOf(q.name)) ? (JSON.parse(readFileSync(fileOf(q.name), 'utf8')) as StoredMessage[]) : []);
    dead.set(q.name, []);
  }
  const save = (name: string) => writeFileSync(fileOf(name), JSON.stringify(messages.get(name) ?? []));
  const consumers = new Map<string, (event: SQSEvent) => Promise<SQSBatchResponse | void>>();
  const inFlight = new Set<Promise<void>>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  let stopped = false;

  /** Hand the visible messages of `name` to its consumer, and plan the next look. */
  const deliver = (name: string) => {
    const consumer = consumers.get(name);
    const queue = messages.get(name) ?? [];
    if (!consumer || stopped) return;
    const now = Date.now();
    const visible = queue.filter((m) => m.visibleAt <= now);
    const q = settings.get(name) as SqsQueueSettings;
    for (let i = 0; i < visible.length; i += BATCH_SIZE) {
      const batch = visible.slice(i, i + BATCH_SIZE);
      for (const m of batch) {
        m.receiveCount++;
        m.visibleAt = now + (q.visibilityTimeoutMs ?? 60_000);
      }
      const records = batch.map((m): SQSRecord => ({
        messageId: m.id,
        receiptHandle: m.id,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: LOCAL_ACCOUNT,
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(m.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${options.region}:${LOCAL_ACCOUNT}:${name}`,
        awsRegion: options.region,
      }));
      const run = (async () => {
        let failed: Set<string>;
        try {
          const response = await consumer({ Records: records });
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          report(error as Error);
          failed = new Set(batch.map((m) => m.id));
        }
        const current = messages.get(name) ?? [];
        const kept: StoredMessage[] = [];
        for (const m of current) {
          if (!batch.includes(m)) kept.push(m);
          else if (failed.has(m.id)) {
            if (m.receiveCount >= (q.maxReceiveCount ?? 5)) {
              dead.get(name)?.push(m.body);
              report(new Error(`a message of ${name} failed ${m.receiveCount} times; moved to its dead-letter queue`));
            } else kept.push(m);
          }
        }
        messages.set(name, kept);
        save(name);
        plan(name);
      })();
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    }
    save(name);
    plan(name);
  };

  /**
   * Look again when the next message becomes visible: one timer per queue, set for its earliest
   * message (a later plan for a time already covered sets none).
   */
  const plan = (name: string) => {
    const next = Math.min(...(messages.get(name) ?? []).map((m) => m.visibleAt));
    if (!Number.isFinite(next) || stopped) return;
    const current = timers.get(name);
    if (current && current.at <= next) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      timers.delete(name);
      deliver(name);
    }, Math.max(next - Date.now(), 0) + 5);
    timers.set(name, { at: next, timer });
  };

  const server = createServer(KEEP_ALIVE, (req, res) => {
    readBody(req)
      .then((raw) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (target !== 'AmazonSQS.SendMessage') return jsonError(res, 400, 'UnsupportedOperation', `the local SQS stand-in does not support ${target || 'this request'}`);
        const input = JSON.parse(raw.toString('utf8')) as { QueueUrl?: string; MessageBody?: string; DelaySeconds?: number };
        const name = String(input.QueueUrl ?? '').split('/').pop() ?? '';
        const queue = messages.get(name);
        if (!queue) return jsonError(res, 400, 'QueueDoesNotExist', `The specified queue does not exist: ${name}`);
        const delay = input.DelaySeconds ?? 0;
        if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) return jsonError(res, 400, 'InvalidParameterValue', `DelaySeconds must be 0 to ${MAX_DELAY_SECONDS}`);
        const body = input.MessageBody ?? '';
        if (body === '') return jsonError(res, 400, 'MissingParameter', 'The request must contain the parameter MessageBody.');
        const message: StoredMessage = { id: randomUUID(), body, visibleAt: Date.now() + delay * 1000, receiveCount: 0, sentAt: Date.now() };
        queue.push(message);
        save(name);
        plan(name);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MessageId: message.id, MD5OfMessageBody: createHash('md5').update(body).digest('hex') }));
      })
      .catch((error: unknown) => {
        report(error as Error);
        if (!res.headersSent) jsonError(res, 500, 'InternalError', 'the local SQS stand-in failed');
      });
  });
  const port = await listen(server, 0, host);
  const endpoint = `http://${host}:${port}`;
  return {
    endpoint,
    queueUrl: (name) => `${endpoint}/${LOCAL_ACCOUNT}/${name}`,
    consume: (name, consumer) => {
      if (!settings.has(name)) throw new Error(`no local queue ${name}`);
      consumers.set(name, consumer);
      deliver(name);
    },
    pending: (name) => messages.get(name)?.length ?? 0,
    deadLetters: (name) => dead.get(name) ?? [],
    idle: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop: async () => {
      stopped = true;
      for (const { timer } of timers.values()) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
      await closeServer(server);
    },
  };
};
