/**
 * Kill propagation on the local runtime: with N instances connected over WebSockets, the time
 * from the kill call to each instance receiving the kill message (p50, p99, max, over several
 * kills), and the per-invocation overhead of the middy middleware against a bare handler.
 *
 * Everything runs in this one process (runtime, DynamoDB Local aside, and the clients), so
 * the figures include the clients' own event-loop time: an upper bound for the push path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import middy from '@middy/core';
import WebSocket from 'ws';
import { startLocalRuntime, type LocalRuntime } from '../infra/local/runtime';
import { lambdaContext } from '../infra/local/lambda-context';
import { haltMiddleware } from '../sdk/middleware';
import { HaltClient } from '../sdk/operator-client';
import { summarize, type Summary } from './stats';

export interface KillLatencyResult {
  instances: number;
  kills: number;
  /** Kill call start → each instance has the kill message, ms. */
  notified: Summary;
  /** Duration of the kill call itself (it includes the fast-path push), ms. */
  killCall: Summary;
  /** Connections the kill call reported reaching, per kill. */
  pushed: number[];
}

export interface MiddlewareOverheadResult {
  invocations: number;
  cacheTtlMs: number;
  bare: Summary;
  withHalt: Summary;
  /** p50 and p99 of the wrapped handler over the bare one. */
  ratio: { p50: number; p99: number };
  /** Status reads (heartbeats) the wrapped handler made. */
  statusReads: number;
}

const connectInstances = async (wsUrl: string, agentId: string, key: string, count: number) => {
  const sockets: WebSocket[] = [];
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, (_, j) => {
        const socket = new WebSocket(`${wsUrl}/?agentId=${agentId}&instanceId=i-${i + j}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        return new Promise<WebSocket>((resolve, reject) => {
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        });
      }),
    );
    sockets.push(...opened);
  }
  return sockets;
};

export const measureKillLatency = async (options: {
  runtime: LocalRuntime;
  operator: HaltClient;
  instances: number;
  kills: number;
  /** Where the instances connect. @default the first region */
  wsUrl?: string;
  /** Wait until the agent exists where the instances connect (another region). */
  waitForAgent?: (agentId: string) => Promise<void>;
}): Promise<KillLatencyResult> => {
  const agentId = `bench-${options.instances}-${Date.now().toString(36)}`;
  const { agentKey } = await options.operator.createAgent({ agentId });
  await options.waitForAgent?.(agentId);
  const sockets = await connectInstances(options.wsUrl ?? options.runtime.wsUrl, agentId, agentKey, options.instances);
  const notified: number[] = [];
  const killCalls: number[] = [];
  const pushed: number[] = [];
  try {
    for (let round = 0; round < options.kills; round++) {
      const start = performance.now();
      let version = -1;
      const arrivals = sockets.map(
        (socket) =>
          new Promise<number>((resolve) => {
            const onMessage = (data: Buffer) => {
              const message = JSON.parse(data.toString()) as { type: string; version: number };
              if (message.type === 'kill' && (version < 0 || message.version === version)) {
                socket.off('message', onMessage);
                resolve(performance.now() - start);
              }
            };
            socket.on('message', onMessage);
          }),
      );
      const result = await options.operator.kill({ agentId, reason: `bench round ${round}` });
      killCalls.push(performance.now() - start);
      version = result.version;
      pushed.push(result.pushed);
      notified.push(...(await Promise.all(arrivals)));
      await options.operator.resume({ agentId, reason: 'bench reset' });
      // let the resume pushes and the stream consumer's repeats settle
      await options.runtime.streamIdle();
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.close();
    })));
    // A thousand `$disconnect`s at once queue up on the one local engine: let them finish
    // before the next measurement (in AWS each is its own Lambda).
    await Promise.all(options.runtime.regions.map((r) => r.websocket.settled()));
  }
  return { instances: options.instances, kills: options.kills, notified: summarize(notified), killCall: summarize(killCalls), pushed };
};

export const measureMiddlewareOverhead = async (options: {
  runtime: LocalRuntime;
  operator: HaltClient;
  invocations: number;
  cacheTtlMs: number;
}): Promise<MiddlewareOverheadResult> => {
  const agentId = `bench-mw-${Date.now().toString(36)}`;
  const { agentKey } = await options.operator.createAgent({ agentId });
  const work = async (event: { n: number }) => ({ doubled: event.n * 2 });
  const bare = middy(work);
  const wrapped = middy(work).use(haltMiddleware({ url: options.runtime.restUrl, key: agentKey, agentId, cacheTtlMs: options.cacheTtlMs }));
  const context = lambdaContext({ functionName: 'bench', region: 'local-1' });
  const time = async (handler: (event: { n: number }, ctx: typeof context) => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < options.invocations; i++) {
      const start = performance.now();
      await handler({ n: i }, context);
      samples.push(performance.now() - start);
    }
    return samples;
  };
  // warm both paths (module loading, first status read)
  await time(bare);
  await time(wrapped);
  const bareSamples = await time(bare);
  const before = Date.now();
  const wrappedSamples = await time(wrapped);
  const elapsed = Date.now() - before;
  const bareSummary = summarize(bareSamples);
  const wrappedSummary = summarize(wrappedSamples);
  return {
    invocations: options.invocations,
    cacheTtlMs: options.cacheTtlMs,
    bare: bareSummary,
    withHalt: wrappedSummary,
    ratio: {
      p50: Math.round((wrappedSummary.p50 / bareSummary.p50) * 100) / 100,
      p99: Math.round((wrappedSummary.p99 / bareSummary.p99) * 100) / 100,
    },
    statusReads: Math.ceil(elapsed / options.cacheTtlMs),
  };
};

/** Start a runtime of its own, warm it up, run every size, stop. */
export const runKillLatencyBench = async (sizes: readonly number[] = [1, 100, 1000], kills = 10) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'halt-bench-'));
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, logLevel: 'SILENT' });
  const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key });
  try {
    // DynamoDB Local runs on the JVM: its first thousand requests are several times slower
    // than the rest. Warm it (and Node's JIT) so the figures are steady-state ones.
    const warm = await measureKillLatency({ runtime, operator, instances: 10, kills: 30 });
    console.log(`(warm-up: 30 kills of 10 instances, p50 ${warm.notified.p50.toFixed(1)} ms — not reported)`);
    const killLatency: KillLatencyResult[] = [];
    for (const instances of sizes) {
      const result = await measureKillLatency({ runtime, operator, instances, kills });
      killLatency.push(result);
      console.log(
        `kill → last instance notified, ${String(instances).padStart(4)} instances, ${kills} kills: ` +
          `p50 ${result.notified.p50.toFixed(1)} ms, p99 ${result.notified.p99.toFixed(1)} ms, max ${result.notified.max.toFixed(1)} ms ` +
          `(kill call p50 ${result.killCall.p50.toFixed(1)} ms; pushed ${result.pushed.join('/')})`,
      );
    }
    const middleware = await measureMiddlewareOverhead({ runtime, operator, invocations: 5000, cacheTtlMs: 1000 });
    console.log(
      `middleware overhead, ${middleware.invocations} invocations, cache ${middleware.cacheTtlMs} ms: ` +
        `bare p50 ${middleware.bare.p50.toFixed(3)} ms / p99 ${middleware.bare.p99.toFixed(3)} ms; ` +
        `with Halt p50 ${middleware.withHalt.p50.toFixed(3)} ms / p99 ${middleware.withHalt.p99.toFixed(3)} ms ` +
        `(×${middleware.ratio.p50} p50, ×${middleware.ratio.p99} p99; ~${middleware.statusReads} status reads)`,
    );
    return { killLatency, middleware };
  } finally {
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};

/** Kill in local-1, instances connected to local-2: replication, then local-2's stream consumer pushes. */
export const runCrossRegionKillBench = async (sizes: readonly number[] = [1, 100, 1000], kills = 10) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'halt-bench-x-'));
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, regions: 2, logLevel: 'SILENT' });
  const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key });
  const second = runtime.regions[1];
  if (!second) throw new Error('no second region');
  const remote = new HaltClient({ url: second.restUrl, key: runtime.operator.key });
  const waitForAgent = async (agentId: string) => {
    for (let i = 0; i < 200; i++) {
      if (await remote.getAgent({ agentId }).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`agent ${agentId} never reached ${second.region}`);
  };
  try {
    await measureKillLatency({ runtime, operator, instances: 10, kills: 10, wsUrl: second.wsUrl, waitForAgent });
    const results: KillLatencyResult[] = [];
    for (const instances of sizes) {
      const result = await measureKillLatency({ runtime, operator, instances, kills, wsUrl: second.wsUrl, waitForAgent });
      results.push(result);
      console.log(
        `kill in local-1 → last instance on local-2 notified, ${String(instances).padStart(4)} instances, ${kills} kills: ` +
          `p50 ${result.notified.p50.toFixed(1)} ms, p99 ${result.notified.p99.toFixed(1)} ms, max ${result.notified.max.toFixed(1)} ms`,
      );
    }
    return results;
  } finally {
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};
