/**
 * The real stream consumer handler against DynamoDB Local, fed the records Lambda would send.
 * The event bus is down for the first delivery: nothing is lost, nothing is written twice.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '../../../lambdas/config/config';
import { createDependencies } from '../../../lambdas/config/dependencies';
import type { AgentRecord } from '../../../lambdas/ports/records';
import { keys, STATE_TABLE } from '../../../lambdas/adapters/dynamo/table-schema';
import { createStreamConsumer } from '../../../lambdas/stream-consumer/stream-consumer';
import type { Notifier } from '../../../lambdas/ports/notifier';
import { startDynamoEngine, type DynamoEngine } from '../../../infra/local/dynamo-engine';
import { startEventSink, type EventSink } from '../../../infra/local/event-sink';
import { findFreePort } from '../../../infra/local/free-port';
import { lambdaContext } from '../../../infra/local/lambda-context';
import { ensureTable } from '../../../infra/local/tables';

const agentAt = (version: number, status: AgentRecord['status'], type: AgentRecord['lastChange']['type']): AgentRecord => ({
  agentId: 'mailer',
  name: 'mailer',
  tags: [],
  status,
  version,
  statusChangedAt: `2026-11-24T09:0${version}:00.000Z`,
  statusChangedBy: 'ops',
  statusReason: type === 'killed' ? 'template breaks the law' : null,
  policy: {},
  createdAt: '2026-11-24T09:00:00.000Z',
  lastChange: {
    type,
    actor: 'ops',
    reason: type === 'killed' ? 'template breaks the law' : null,
    at: `2026-11-24T09:0${version}:00.000Z`,
    fromStatus: type === 'agent_created' ? null : 'active',
    toStatus: status,
    region: 'local-1',
  },
  deleted: false,
});

let sequence = 100;
const streamRecord = (before: AgentRecord | undefined, after: AgentRecord): DynamoDBRecord => ({
  eventID: `e${sequence}`,
  eventName: before ? 'MODIFY' : 'INSERT',
  eventSource: 'aws:dynamodb',
  eventVersion: '1.1',
  awsRegion: 'local-1',
  dynamodb: {
    ApproximateCreationDateTime: 1_795_000_000,
    Keys: marshall(keys.agent('mailer')) as never,
    NewImage: marshall({ ...keys.agent('mailer'), ...after }, { removeUndefinedValues: true }) as never,
    ...(before ? { OldImage: marshall({ ...keys.agent('mailer'), ...before }, { removeUndefinedValues: true }) as never } : {}),
    SequenceNumber: String(sequence++).padStart(21, '0'),
    SizeBytes: 100,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});

describe('stream consumer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'halt-consumer-'));
  const eventsFile = join(dir, 'events.jsonl');
  let engine: DynamoEngine;
  let sink: EventSink | undefined;
  let sinkPort: number;

  beforeAll(async () => {
    engine = await startDynamoEngine({ dataDir: join(dir, 'db') });
    const admin = new DynamoDBClient({ region: 'local-1', endpoint: engine.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await ensureTable({ client: admin, tableName: 'state', table: STATE_TABLE });
    admin.destroy();
    sinkPort = await findFreePort();
  });

  /** The consumer's dependencies against the engine and the sink's port (the sink may be down). */
  const localDependencies = () =>
    createDependencies(
      loadConfig({
        AWS_REGION: 'local-1',
        HALT_STATE_TABLE: 'state',
        HALT_EVENT_BUS: 'halt',
        HALT_DYNAMODB_ENDPOINT: engine.endpoint,
        HALT_EVENTS_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
        HALT_LOG_LEVEL: 'SILENT',
      }),
    );

  afterAll(async () => {
    await sink?.stop();
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports failures while the bus is down, then records and publishes each change exactly once', async () => {
    // GIVEN the consumer, with the event bus not answering yet
    const deps = localDependencies();
    const consumer = createStreamConsumer(() => deps);
    const created = agentAt(1, 'active', 'agent_created');
    const killed = agentAt(2, 'killed', 'killed');
    const heartbeatOnly = { ...killed };
    const event: DynamoDBStreamEvent = {
      Records: [streamRecord(undefined, created), streamRecord(created, killed), streamRecord(killed, heartbeatOnly)],
    };
    const context = () => lambdaContext({ functionName: 'consumer', region: 'local-1' });

    // WHEN the batch is delivered
    const first = await consumer(event, context());

    // THEN the first record fails, and so do the later ones of the same agent (kept in order)
    const ids = event.Records.map((r) => r.dynamodb?.SequenceNumber);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ids);
    expect(existsSync(eventsFile)).toBe(false);

    // WHEN the bus is back and the batch is retried, twice
    sink = await startEventSink({ file: eventsFile, port: sinkPort });
    const second = await consumer(event, context());
    const third = await consumer(event, context());

    // THEN nothing fails, the audit trail has one event per change, and the bus one event each
    expect(second.batchItemFailures).toEqual([]);
    expect(third.batchItemFailures).toEqual([]);
    const audit = await deps.ctx.repository.listAuditChain('mailer');
    expect(audit.map((e) => [e.version, e.type, e.published])).toEqual([
      [1, 'agent_created', true],
      [2, 'killed', true],
    ]);
    expect(audit[1]?.prevHash).toBe(audit[0]?.hash);
    const lines = readFileSync(eventsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.detailType, l.detail.version])).toEqual([
      ['AgentCreated', 1],
      ['AgentKilled', 2],
    ]);
    expect(lines[1].detail).toMatchObject({ actor: 'ops', reason: 'template breaks the law', eventId: 'mailer:2' });
  });

  it('pushes a change taken in another region to every connection first, and skips instances that acknowledged one taken here', async () => {
    // GIVEN the consumer (the bus up) with a notifier that records what it is asked to push
    sink ??= await startEventSink({ file: eventsFile, port: sinkPort });
    const base = localDependencies();
    const pushes: { agentId: string; version: number; skipped: string[] }[] = [];
    const notifier: Notifier = {
      pushToAgent: async (agentId, message, options) => {
        pushes.push({ agentId, version: (message as { version: number }).version, skipped: [...(options?.skipInstances ?? [])].sort() });
        return 0;
      },
      pushToWatchers: async () => 0,
      send: async () => true,
    };
    const deps = { ...base, notifier, ctx: { ...base.ctx, notifier } };
    const consumer = createStreamConsumer(() => deps);
    const context = () => lambdaContext({ functionName: 'consumer', region: 'local-1' });
    const mailer = (version: number, status: AgentRecord['status'], type: AgentRecord['lastChange']['type'], region: string): AgentRecord => {
      const a = agentAt(version, status, type);
      return { ...a, agentId: 'pusher', lastChange: { ...a.lastChange, region } };
    };
    const record = (before: AgentRecord | undefined, after: AgentRecord): DynamoDBRecord => {
      const r = streamRecord(before, after);
      const k = marshall(keys.agent('pusher')) as never;
      return { ...r, dynamodb: { ...r.dynamodb, Keys: k, NewImage: marshall({ ...keys.agent('pusher'), ...after }, { removeUndefinedValues: true }) as never, ...(before ? { OldImage: marshall({ ...keys.agent('pusher'), ...before }, { removeUndefinedValues: true }) as never } : {}) } };
    };
    const created = mailer(1, 'active', 'agent_created', 'local-1');
    await deps.ctx.repository.createAgent(created, { keyId: 'k-pusher', keyHash: 'a'.repeat(64), name: 'agent:pusher', role: 'agent', agentId: 'pusher', createdAt: created.createdAt }, undefined);
    // two instances: one has already acknowledged version 2, one has not
    for (const [instanceId, acknowledgedVersion] of [['acked', 2], ['late', 1]] as const) {
      await deps.ctx.repository.putInstance({ agentId: 'pusher', instanceId, region: 'local-1', firstSeenAt: created.createdAt, lastHeartbeatAt: created.createdAt, acknowledgedVersion });
    }

    // WHEN a kill taken in this region, then a resume taken in another, come down the stream
    const killedHere = mailer(2, 'killed', 'killed', 'local-1');
    const resumedThere = mailer(3, 'active', 'resumed', 'local-2');
    const result = await consumer({ Records: [record(created, killedHere), record(killedHere, resumedThere)] }, context());

    // THEN the kill is pushed again only to the instance that had not acknowledged it, and the
    // resume from the other region to every connection
    expect(result.batchItemFailures).toEqual([]);
    expect(pushes).toEqual([
      { agentId: 'pusher', version: 2, skipped: ['acked'] },
      { agentId: 'pusher', version: 3, skipped: [] },
    ]);
  });
});
