/**
 * Kill propagation on the local runtime: with N instances connected over WebSockets, the time
 * from the kill call to each instance receiving the kill message (p50, p99, max, over several
 * kills). (The middleware's figures: bench/middleware.ts.)
 *
 * Everything runs in this one process (runtime, DynamoDB Local aside, and the clients), so
 * the figures include the clients' own event-loop time: an upper bound for the push path.
 */
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { monotonicMs, startFleet, type Fleet } from './fleet-process';
import { startLocalRuntime, type LocalRuntime } from '../infra/local/runtime';
import { HaltClient } from '../sdk/operator-client';
import { summarize, type Summary } from './stats';
import { benchStateDir } from './state-dir';

export interface KillLatencyResult {
  instances: number;
  kills: number;
  /** Kill call start → each instance has the kill message, ms (every instance of every kill). */
  notified: Summary;
  /** Kill call start → the last instance of the kill has it, ms (one value per kill). */
  lastNotified: Summary;
  /** Duration of the kill call itself (it includes the fast-path push), ms. */
  killCall: Summary;
  /** Kill call start → a watcher is shown every instance acknowledged, ms. */
  acknowledgedSeen: Summary;
  /** Connections the kill call reported reaching, per kill. */
  pushed: number[];
  /** Kills whose answer said every region enforced it (`pendingIn: []`). */
  enforcedEverywhere: number;
}

/**
 * A dashboard's view of the fleet: one watcher connection (`?watch=all`) that notes, on the
 * monotonic clock, when it is first shown `acknowledged` reaching a count for a version.
 */
const startWatcher = async (wsUrl: string, key: string) => {
  const socket = new WebSocket(`${wsUrl}/?watch=all&token=${encodeURIComponent(key)}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const seen: { agentId: string; version: number; acknowledged: number; atMs: number }[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as
      | { type: 'agent'; agent: { agentId: string; version: number; instances: { acknowledged: number } } }
      | { type: string };
    if (message.type !== 'agent' || !('agent' in message)) return;
    seen.push({ agentId: message.agent.agentId, version: message.agent.version, acknowledged: message.agent.instances.acknowledged, atMs: monotonicMs() });
    for (const wake of waiters) wake();
  });
  return {
    /** When the watcher was first shown `count` acknowledgements of `version`. */
    until: (agentId: string, version: number, count: number, ceilingMs = 60_000) =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          const hit = seen.find((m) => m.agentId === agentId && m.version === version && m.acknowledged >= count);
          if (!hit) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit.atMs);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const last = seen.filter((m) => m.agentId === agentId && m.version === version).pop();
          reject(new Error(`watcher: ${agentId} v${version} never showed ${count} acknowledged (last ${last?.acknowledged ?? 'none'})`));
        }, ceilingMs);
        if (!check()) waiters.add(check);
      }),
    /** Messages the watcher received about the agent. */
    messages: (agentId: string) => seen.filter((m) => m.agentId === agentId).length,
    close: () => socket.close(),
  };
};

/** Wait until nothing the runtime started is still running: stream, push workers, socket handlers. */
const settle = async (runtime: LocalRuntime) => {
  await runtime.streamIdle();
  await Promise.all(runtime.regions.map(async (r) => {
    await r.functions.idle();
    await r.websocket.settled();
  }));
};

export const measureKillLatency = async (options: {
  runtime: LocalRuntime;
  operator: HaltClient;
  fleet: Fleet;
  instances: number;
  kills: number;
  /** Where the instances connect. @default the first region */
  wsUrl?: string;
  /** Wait until the agent exists where the instances connect (another region). */
  waitForAgent?: (agentId: string) => Promise<void>;
}): Promise<KillLatencyResult> => {
  const { runtime, fleet } = options;
  const agentId = `bench-${options.instances}-${Date.now().toString(36)}`;
  const { agentKey } = await options.operator.createAgent({ agentId });
  await options.waitForAgent?.(agentId);
  const wsUrl = options.wsUrl ?? runtime.wsUrl;
  await fleet.connect({ wsUrl, agentId, key: agentKey, count: options.instances });
  const watcher = await startWatcher(wsUrl, runtime.operator.key);
  await settle(runtime);
  const notified: number[] = [];
  const killCalls: number[] = [];
  const acknowledged: number[] = [];
  const pushed: number[] = [];
  let enforcedEverywhere = 0;
  try {
    for (let round = 0; round < options.kills; round++) {
      const { arrivals } = await fleet.armForKill();
      const start = monotonicMs();
      const result = await options.operator.kill({ agentId, reason: `bench round ${round}` });
      killCalls.push(monotonicMs() - start);
      pushed.push(result.pushed);
      if (result.pendingIn.length === 0) enforcedEverywhere++;
      const { atMs } = await arrivals;
      notified.push(...atMs.map((t) => t - start));
      // every instance writes its acknowledgement: at fleet size the local engine's write rate rules
      const ackCeilingMs = Math.max(60_000, options.instances * 40);
      acknowledged.push((await watcher.until(agentId, result.version, options.instances, ackCeilingMs)) - start);
      const resumed = await options.operator.resume({ agentId, reason: 'bench reset' });
      await watcher.until(agentId, resumed.version, options.instances, ackCeilingMs);
      await settle(runtime);
    }
  } finally {
    watcher.close();
    await fleet.close();
    // Many `$disconnect`s at once queue up on the one local engine: let them finish before the
    // next measurement (in AWS each is its own Lambda).
    await settle(runtime);
  }
  return {
    instances: options.instances,
    kills: options.kills,
    notified: summarize(notified),
    lastNotified: summarize(lastPerRound(notified, options.instances)),
    killCall: summarize(killCalls),
    acknowledgedSeen: summarize(acknowledged),
    pushed,
    enforcedEverywhere,
  };
};

/** The slowest instance of each round (rounds are `perRound` values long). */
const lastPerRound = (values: readonly number[], perRound: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += perRound) out.push(Math.max(...values.slice(i, i + perRound)));
  return out;
};

const describe = (r: KillLatencyResult, where: string) =>
  `kill → ${where}, ${String(r.instances).padStart(5)} instances, ${r.kills} kills: ` +
  `last told p50 ${r.lastNotified.p50.toFixed(1)} ms, p99 ${r.lastNotified.p99.toFixed(1)} ms ` +
  `(each instance p50 ${r.notified.p50.toFixed(1)}, p99 ${r.notified.p99.toFixed(1)}); ` +
  `kill call p50 ${r.killCall.p50.toFixed(1)} ms, p99 ${r.killCall.p99.toFixed(1)} ms (enforced in every region when it answered: ${r.enforcedEverywhere} of ${r.kills}); all acknowledged, as a watcher sees it, p50 ${r.acknowledgedSeen.p50.toFixed(1)} ms, ` +
  `p99 ${r.acknowledgedSeen.p99.toFixed(1)} ms; pushed ${[...new Set(r.pushed)].join('/')}`;

/** Kills per size: enough for a p99 where it is cheap, fewer where a round takes seconds. */
const killsFor = (instances: number, kills: number) => (instances >= 10_000 ? Math.min(kills, 3) : kills);

/** Start a runtime of its own, warm it up, run every size, stop. */
export const runKillLatencyBench = async (sizes: readonly number[] = [1, 100, 1000, 10_000], kills = 20) => {
  const stateDir = benchStateDir('halt-bench-');
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, logLevel: 'SILENT' });
  const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key, timeoutMs: 60_000 });
  const fleet = await startFleet();
  try {
    // DynamoDB Local runs on the JVM: its first thousand requests are several times slower
    // than the rest. Warm it (and Node's JIT, and the push worker threads) so the figures are
    // steady-state ones.
    await Promise.all(runtime.regions.map((r) => r.functions.warm()));
    const warm = await measureKillLatency({ runtime, operator, fleet, instances: 400, kills: 10 });
    console.log(`(warm-up: 10 kills of 400 instances, last told p50 ${warm.lastNotified.p50.toFixed(1)} ms — not reported)`);
    const killLatency: KillLatencyResult[] = [];
    for (const instances of sizes) {
      const result = await measureKillLatency({ runtime, operator, fleet, instances, kills: killsFor(instances, kills) });
      killLatency.push(result);
      console.log(describe(result, 'last instance told'));
    }
    const single = killLatency.find((r) => r.instances === 1);
    const thousand = killLatency.find((r) => r.instances === 1000);
    const ratio = single && thousand ? Math.round((thousand.lastNotified.p99 / single.lastNotified.p99) * 10) / 10 : undefined;
    if (ratio !== undefined) console.log(`1,000 instances vs 1: last told p99 ×${ratio}`);
    return { killLatency, thousandToOneP99Ratio: ratio };
  } finally {
    await fleet.stop();
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};

/**
 * Kill in local-1, instances connected to local-2: local-1 posts straight to local-2's
 * management API (the instance items say where each is connected); local-2's stream consumer,
 * after replication, is the safety net.
 */
export const runCrossRegionKillBench = async (sizes: readonly number[] = [1, 100, 1000], kills = 10) => {
  const stateDir = benchStateDir('halt-bench-x-');
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, regions: 2, logLevel: 'SILENT' });
  const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key, timeoutMs: 60_000 });
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
  const fleet = await startFleet();
  try {
    await Promise.all(runtime.regions.map((r) => r.functions.warm()));
    await measureKillLatency({ runtime, operator, fleet, instances: 10, kills: 10, wsUrl: second.wsUrl, waitForAgent });
    const results: KillLatencyResult[] = [];
    for (const instances of sizes) {
      const result = await measureKillLatency({ runtime, operator, fleet, instances, kills, wsUrl: second.wsUrl, waitForAgent });
      results.push(result);
      console.log(describe(result, 'last instance on local-2 told (kill in local-1)'));
    }
    return results;
  } finally {
    await fleet.stop();
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};
