/**
 * Gateway and heartbeat figures on the local runtime: intent latency for one client and 16
 * concurrent ones, throughput, REST heartbeat throughput; and, for the demo's workload (three
 * instances, 100 emails every 2 s each), how the designs teams use instead of Halt compare:
 * polling a DynamoDB flag every second, and a 30-second heartbeat.
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalRuntime } from '../infra/local/runtime';
import { LOCAL_STATE_TABLE } from '../infra/local/local-region';
import { HttpClient } from '../sdk/http-client';
import { HaltClient } from '../sdk/operator-client';
import { summarize, type Summary } from './stats';
import { benchStateDir } from './state-dir';

export interface ThroughputResult {
  clients: number;
  requests: number;
  latency: Summary;
  perSecond: number;
}

const drive = async (clients: number, requests: number, call: () => Promise<unknown>): Promise<ThroughputResult> => {
  const samples: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        next++;
        const t0 = performance.now();
        await call();
        samples.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { clients, requests, latency: summarize(samples), perSecond: Math.round(requests / seconds) };
};

export interface AlternativeResult {
  design: string;
  /** Kill → every instance has stopped sending, ms. */
  timeToStopMs: number;
  emailsAfterKill: number;
}

/**
 * Three instances send 100 emails every 2 s and learn of a stop by looking at a flag every
 * `checkEveryMs` (a DynamoDB item read, as teams do it). Measured with real timers; the kill
 * lands at a random moment of the checking cycle.
 */
const simulatePolling = async (client: DynamoDBClient, design: string, checkEveryMs: number): Promise<AlternativeResult> => {
  const flag = { pk: { S: `BENCH#flag-${checkEveryMs}` }, sk: { S: 'FLAG' } };
  await client.send(new PutItemCommand({ TableName: LOCAL_STATE_TABLE, Item: { ...flag, stop: { BOOL: false } } }));
  let killAt = 0;
  let emailsAfterKill = 0;
  const stoppedAt: number[] = [];
  const instance = async (offset: number) => {
    let stop = false;
    const checker = (async () => {
      await new Promise((r) => setTimeout(r, offset));
      while (!stop) {
        const { Item } = await client.send(new GetItemCommand({ TableName: LOCAL_STATE_TABLE, Key: flag, ConsistentRead: true }));
        if (Item?.stop?.BOOL) {
          stop = true;
          stoppedAt.push(performance.now());
          return;
        }
        await new Promise((r) => setTimeout(r, checkEveryMs));
      }
    })();
    while (!stop) {
      if (killAt > 0) emailsAfterKill += 100;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await checker;
  };
  const runs = [0, 1, 2].map((i) => instance(Math.random() * checkEveryMs + i));
  await new Promise((r) => setTimeout(r, 2_500 + Math.random() * checkEveryMs));
  killAt = performance.now();
  await client.send(new PutItemCommand({ TableName: LOCAL_STATE_TABLE, Item: { ...flag, stop: { BOOL: true } } }));
  await Promise.all(runs);
  return { design, timeToStopMs: Math.round(Math.max(...stoppedAt) - killAt), emailsAfterKill };
};

export const runGatewayBench = async () => {
  const stateDir = benchStateDir('halt-bench-gw-');
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, logLevel: 'SILENT' });
  try {
    const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key });
    const { agentKey } = await operator.createAgent({ agentId: 'bench-gateway' });
    const http = new HttpClient({ url: runtime.restUrl, key: agentKey });
    const intent = () => http.request('POST', '/agents/bench-gateway/intents', { body: { instanceId: 'i-1', action: 'email.send', costUsd: 0.01 } });
    const heartbeat = (i: number) => http.request('POST', '/agents/bench-gateway/heartbeat', { body: { instanceId: `i-${i % 100}` } });
    await drive(4, 300, intent); // warm-up
    const single = await drive(1, 500, intent);
    const concurrent = await drive(16, 2_000, intent);
    let n = 0;
    const heartbeats = await drive(16, 2_000, () => heartbeat(n++));
    for (const [label, r] of [['intents, 1 client', single], ['intents, 16 clients', concurrent], ['REST heartbeats, 16 clients', heartbeats]] as const) {
      console.log(`${label}: ${r.requests} requests, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, ${r.perSecond}/s`);
    }
    const region = runtime.regions[0];
    if (!region) throw new Error('no region');
    const client = new DynamoDBClient({ region: 'local-1', endpoint: region.dynamoEndpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const alternatives = [await simulatePolling(client, 'poll a DynamoDB flag every 1 s', 1_000), await simulatePolling(client, '30-second heartbeat', 30_000)];
    client.destroy();
    for (const a of alternatives) console.log(`${a.design}: stopped ${a.timeToStopMs} ms after the kill, ${a.emailsAfterKill} emails after it`);
    return { intents: { single, concurrent }, heartbeats, alternatives };
  } finally {
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};
