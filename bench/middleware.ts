/**
 * The middleware of a Lambda-hosted agent, direct and REST modes side by side, on the local
 * runtime (issue 15):
 * - cold start: a new container's first invocation (its first status read: a replica query, or
 *   a REST heartbeat that also registers it), against the same handler bare;
 * - warm overhead per invocation of a container kept busy (most are served from the cache, one
 *   a cache period waits for a read);
 * - status reads per container-minute (and REST calls, which is what API Gateway bills and
 *   throttles), counted at the clients;
 * - kill → the next invocation refused, the kill landing at a random moment.
 *
 * Locally every read is a loopback call to DynamoDB Local or to the local API; in AWS a
 * DynamoDB query in-region takes single-digit ms and a REST heartbeat through API Gateway, the
 * authorizer and the route tens of ms, so the ratio here understates the difference.
 *
 *   npm run bench:middleware
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { lambdaContext } from '../infra/local/lambda-context';
import { LOCAL_STATE_TABLE } from '../infra/local/local-region';
import { startLocalRuntime, type LocalRuntime } from '../infra/local/runtime';
import { haltMiddleware } from '../sdk/middleware';
import { HaltClient } from '../sdk/operator-client';
import { AgentStoppedError } from '../sdk/errors';
import { benchStateDir } from './state-dir';
import { summarize, type Summary } from './stats';

export interface MiddlewareModeResult {
  mode: 'direct' | 'rest';
  /** A new container's first invocation: ms added to the handler's own time. */
  coldStart: Summary;
  /** Every invocation of a busy container: ms added to the handler's own time. */
  warmOverhead: Summary;
  /** The invocations of that container that waited for a status read (one a cache period). */
  readOverhead: Summary;
  /** Status reads per container-minute (replica queries, or REST heartbeats). */
  statusReadsPerContainerMinute: number;
  /** REST calls per container-minute (what API Gateway bills and throttles). */
  restCallsPerContainerMinute: number;
  /** From the kill's answer to the first refused invocation, ms. */
  killToRefused: Summary;
}

export interface MiddlewareBenchResult {
  cacheTtlMs: number;
  direct: MiddlewareModeResult;
  rest: MiddlewareModeResult;
}

const CACHE_TTL_MS = 1_000;
const COLD_STARTS = 20;
/** Over a minute: direct mode reports its counts once a minute. */
const BUSY_SECONDS = 61;
const KILLS = 10;
/** The handler's own work per invocation in the busy loop. */
const HANDLER_MS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts the REST requests this process makes to the API (the SDK calls `fetch`). */
const countRestCalls = (restUrl: string) => {
  const original = globalThis.fetch;
  let count = 0;
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(restUrl.replace(/\/v1$/, ''))) count++;
    return original(input, init);
  };
  return { count: () => count, restore: () => (globalThis.fetch = original) };
};

/** A DynamoDB client that counts the queries it sends (the direct reads). */
const countingClient = (runtime: LocalRuntime) => {
  const region = runtime.regions[0];
  if (!region) throw new Error('no region');
  const client = new DynamoDBClient({ region: region.region, endpoint: region.dynamoEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let queries = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      queries++;
      return next(args);
    },
    { step: 'initialize', name: 'countQueries' },
  );
  return { client, queries: () => queries };
};

const runMode = async (runtime: LocalRuntime, operator: HaltClient, agentKey: string, agentId: string, mode: 'direct' | 'rest'): Promise<MiddlewareModeResult> => {
  const context = () => lambdaContext({ functionName: `bench-${mode}`, region: 'local-1' });
  // The handler times itself: what the middleware adds is the invocation's time less that.
  let handlerMs = 0;
  const container = (client?: DynamoDBClient) => {
    const middleware = haltMiddleware({
      url: runtime.restUrl,
      key: agentKey,
      agentId,
      cacheTtlMs: CACHE_TTL_MS,
      direct: mode === 'direct' ? { tableName: LOCAL_STATE_TABLE, ...(client ? { client } : {}) } : false,
    });
    return middy(async () => {
      const t0 = performance.now();
      await sleep(HANDLER_MS);
      handlerMs = performance.now() - t0;
      return 'ok';
    }).use(middleware);
  };
  /** Milliseconds the middleware added to one invocation. */
  const overhead = async (run: () => Promise<unknown>) => {
    handlerMs = 0;
    const t0 = performance.now();
    await run();
    return performance.now() - t0 - handlerMs;
  };

  // Cold starts: a new container (new clients, new connections) each time.
  const cold: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const { client } = countingClient(runtime);
    const handler = container(client);
    cold.push(await overhead(() => handler({}, context())));
    client.destroy();
  }

  // A busy container: invocations back to back for BUSY_SECONDS.
  const { client, queries } = countingClient(runtime);
  const rest = countRestCalls(runtime.restUrl);
  const handler = container(client);
  await handler({}, context());
  const queriesAtStart = queries();
  const restAtStart = rest.count();
  const warm: number[] = [];
  const withRead: number[] = [];
  const reads = () => (mode === 'direct' ? queries() : rest.count());
  const busyStart = performance.now();
  while (performance.now() - busyStart < BUSY_SECONDS * 1000) {
    const readsBefore = reads();
    const ms = await overhead(() => handler({}, context()));
    warm.push(ms);
    if (reads() > readsBefore) withRead.push(ms);
  }
  const minutes = (performance.now() - busyStart) / 60_000;
  const restCalls = rest.count() - restAtStart;
  const statusReads = mode === 'direct' ? queries() - queriesAtStart : restCalls;

  // Kill at a random moment of a busy container; time to its first refused invocation.
  const refused: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    let stop = false;
    let refusedAt: number | undefined;
    const loop = (async () => {
      while (!stop) {
        try {
          await handler({}, context());
        } catch (error) {
          if (!(error instanceof AgentStoppedError)) throw error;
          refusedAt ??= performance.now();
          stop = true;
        }
      }
    })();
    await sleep(CACHE_TTL_MS + Math.random() * CACHE_TTL_MS);
    await operator.kill({ agentId, reason: 'bench' });
    const answeredAt = performance.now();
    await loop;
    refused.push((refusedAt ?? answeredAt) - answeredAt);
    await operator.resume({ agentId, reason: 'bench' });
    // until the container sees the resume
    for (;;) {
      try {
        await handler({}, context());
        break;
      } catch {
        await sleep(50);
      }
    }
  }
  rest.restore();
  client.destroy();
  return {
    mode,
    coldStart: summarize(cold),
    warmOverhead: summarize(warm),
    readOverhead: summarize(withRead),
    statusReadsPerContainerMinute: Math.round(statusReads / minutes),
    restCallsPerContainerMinute: Math.round(restCalls / minutes),
    killToRefused: summarize(refused),
  };
};

export const runMiddlewareBench = async (): Promise<MiddlewareBenchResult> => {
  const stateDir = benchStateDir('halt-bench-middleware-');
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, warm: true, logLevel: 'SILENT' });
  try {
    const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key });
    const results: Partial<Record<'direct' | 'rest', MiddlewareModeResult>> = {};
    for (const mode of ['direct', 'rest'] as const) {
      const agentId = `bench-${mode}`;
      const { agentKey } = await operator.createAgent({ agentId });
      results[mode] = await runMode(runtime, operator, agentKey, agentId, mode);
    }
    const { direct, rest } = results as Record<'direct' | 'rest', MiddlewareModeResult>;
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(`\nmiddleware (a Lambda container, cache ${CACHE_TTL_MS} ms, handler ${HANDLER_MS} ms), direct vs REST:`);
    for (const r of [direct, rest]) {
      console.log(
        `  ${r.mode.padEnd(6)} cold start +${ms(r.coldStart.p50)} p50 (p99 ${ms(r.coldStart.p99)}); warm +${ms(r.warmOverhead.mean)} mean per invocation ` +
          `(p50 ${ms(r.warmOverhead.p50)}; with a read p50 ${ms(r.readOverhead.p50)}, p99 ${ms(r.readOverhead.p99)}); ${r.statusReadsPerContainerMinute} status reads and ${r.restCallsPerContainerMinute} REST calls per container-minute; ` +
          `kill → refused p50 ${ms(r.killToRefused.p50)}, max ${ms(r.killToRefused.max)}`,
      );
    }
    console.log(
      `  REST calls per container-minute: ${rest.restCallsPerContainerMinute} vs ${direct.restCallsPerContainerMinute} ` +
        `(${(rest.restCallsPerContainerMinute / Math.max(direct.restCallsPerContainerMinute, 1)).toFixed(0)}x fewer direct); ` +
        `an invocation that reads the status p50 +${ms(direct.readOverhead.p50)} direct vs +${ms(rest.readOverhead.p50)} REST`,
    );
    return { cacheTtlMs: CACHE_TTL_MS, direct, rest };
  } finally {
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runMiddlewareBench()
    .then((middleware) => {
      // Alone, it updates its own part of the figures `npm run bench` writes.
      const file = join(__dirname, 'results.json');
      const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
      writeFileSync(file, `${JSON.stringify({ ...results, middleware: { ...middleware, measuredAt: new Date().toISOString() } }, null, 2)}\n`);
      console.log(`\nwritten to ${file} (middleware)`);
    })
    .catch((error: unknown) => {
    console.error('bench failed:', error);
    process.exitCode = 1;
  });
}
