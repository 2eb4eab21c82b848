import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startEventSink, type EventSink } from '../../../infra/local/event-sink';

describe('EventBridge sink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'halt-sink-'));
  const file = join(dir, 'events.jsonl');
  let sink: EventSink;
  let client: EventBridgeClient;

  beforeAll(async () => {
    sink = await startEventSink({ file });
    client = new EventBridgeClient({ region: 'local-1', endpoint: sink.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  afterAll(async () => {
    client.destroy();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes PutEvents from the real client and appends one line per event', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'halt', DetailType: 'AgentKilled', Detail: JSON.stringify({ agentId: 'a1', version: 2 }), EventBusName: 'bus' },
          { Source: 'halt', DetailType: 'AgentResumed', Detail: JSON.stringify({ agentId: 'a1', version: 3 }), EventBusName: 'bus' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ source: 'halt', detailType: 'AgentKilled', eventBusName: 'bus', detail: { agentId: 'a1', version: 2 } }),
      expect.objectContaining({ source: 'halt', detailType: 'AgentResumed', detail: { agentId: 'a1', version: 3 } }),
    ]);
  });

  it('reports an entry whose Detail is not a JSON object as failed, and writes nothing for it', async () => {
    const before = readFileSync(file, 'utf8');
    const result = await client.send(
      new PutEventsCommand({ Entries: [{ Source: 'halt', DetailType: 'AgentKilled', Detail: '[1,2]' }] }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.ErrorCode).toBe('InvalidArgument');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
