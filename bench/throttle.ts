/**
 * `npm run bench:throttle`: can agent traffic starve an operator's kill? 1,000 simulated Lambda
 * containers of one agent hold its routes at the stack's throttle (each container heartbeats
 * and submits an intent about once a second, as the middleware of a busy container does, so
 * ~2,000 requests a second are offered to two throttled methods) while an operator kills 20
 * agents one after another. Prints each method's offered, admitted and throttled rates, and the
 * kills' answers and latency next to the same kills with no load.
 *
 * The throttle is scaled down (20 a second, 40 in a burst, per method) unless
 * `--stack-throttle` is given: at the stack's 200 a second per method, the admitted heartbeats
 * and intents alone are some 800 writes a second, more than one machine's DynamoDB Local takes
 * (docs/local-runtime.md), so the fleet would never reach the throttle and the run would measure
 * the engine's queue instead (it does: run it with the flag to see).
 */
import { Agent, request } from 'node:http';
import { rmSync } from 'node:fs';
import { startLocalRuntime } from '../infra/local/runtime';
import { REST_STAGE_THROTTLE } from '../lambdas/edge/route-table';
import { benchStateDir } from './state-dir';
import { summarize, type Summary } from './stats';

export interface ThrottleBenchResult {
  containers: number;
  seconds: number;
  throttle: { rateLimit: number; burstLimit: number };
  agentRoutes: Record<string, { offeredPerSecond: number; admittedPerSecond: number; throttledPerSecond: number; otherErrors: number }>;
  kills: { underLoad: { statuses: Record<string, number>; ms: Summary }; idle: { statuses: Record<string, number>; ms: Summary } };
}

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

const call = (base: URL, method: string, path: string, key: string, body?: unknown): Promise<number> =>
  new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: base.hostname, port: base.port, method, path: `${base.pathname.replace(/\/$/, '')}${path}`, agent, headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(payload);
  });

const count = (statuses: number[]) => statuses.reduce<Record<string, number>>((acc, s) => ({ ...acc, [String(s)]: (acc[String(s)] ?? 0) + 1 }), {});

/** What one machine's local runtime can serve behind both methods (see above). */
export const SCALED_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;

export const runThrottleBench = async (options: { containers?: number; kills?: number; throttle?: { rateLimit: number; burstLimit: number } } = {}): Promise<ThrottleBenchResult> => {
  const containers = options.containers ?? 1_000;
  const killCount = options.kills ?? 20;
  const throttle = options.throttle ?? SCALED_THROTTLE;
  const stateDir = benchStateDir('halt-bench-throttle-');
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, logLevel: 'ERROR', warm: true, restThrottle: throttle });
  try {
    const base = new URL(runtime.restUrl);
    const operatorKey = runtime.operator.key;
    const created = await fetch(`${runtime.restUrl}/agents`, { method: 'POST', headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'busy-fleet' }) });
    const { agentKey } = (await created.json()) as { agentKey: string };
    const kill = async (prefix: string) => {
      const agents = Array.from({ length: killCount }, (_, i) => `${prefix}-${i}`);
      for (const agentId of agents) await call(base, 'POST', '/agents', operatorKey, { agentId });
      const statuses: number[] = [];
      const ms: number[] = [];
      for (const agentId of agents) {
        const started = performance.now();
        statuses.push(await call(base, 'POST', `/agents/${agentId}/kill`, operatorKey, { reason: 'incident' }));
        ms.push(performance.now() - started);
      }
      return { statuses: count(statuses), ms: summarize(ms) };
    };
    const idle = await kill('idle');

    const routes = { heartbeat: [] as number[], intents: [] as number[] };
    let holding = true;
    const container = async (n: number) => {
      // Spread the fleet's first calls over a second, as containers start at different times.
      await new Promise((r) => setTimeout(r, Math.random() * 1_000));
      while (holding) {
        const next = performance.now() + 1_000;
        const [heartbeat, intent] = await Promise.all([
          call(base, 'POST', '/agents/busy-fleet/heartbeat', agentKey, { instanceId: `c${n}` }),
          call(base, 'POST', '/agents/busy-fleet/intents', agentKey, { instanceId: `c${n}`, action: 'email.send' }),
        ]);
        routes.heartbeat.push(heartbeat);
        routes.intents.push(intent);
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
    };
    const started = performance.now();
    const fleet = Promise.all(Array.from({ length: containers }, (_, n) => container(n)));
    await new Promise((r) => setTimeout(r, 3_000));
    const underLoad = await kill('loaded');
    await new Promise((r) => setTimeout(r, 1_000));
    holding = false;
    await fleet;
    const seconds = (performance.now() - started) / 1000;
    const rates = (statuses: number[]) => ({
      offeredPerSecond: Math.round(statuses.length / seconds),
      admittedPerSecond: Math.round(statuses.filter((s) => s >= 200 && s < 300).length / seconds),
      throttledPerSecond: Math.round(statuses.filter((s) => s === 429).length / seconds),
      otherErrors: statuses.filter((s) => s !== 429 && (s < 200 || s >= 300)).length,
    });
    return {
      containers,
      seconds: Math.round(seconds * 10) / 10,
      throttle,
      agentRoutes: { 'POST heartbeat': rates(routes.heartbeat), 'POST intents': rates(routes.intents) },
      kills: { underLoad, idle },
    };
  } finally {
    await runtime.stop();
    agent.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  }
};

const print = (result: ThrottleBenchResult) => {
  console.log(`${result.containers} containers for ${result.seconds} s, stage throttle ${result.throttle.rateLimit}/s (burst ${result.throttle.burstLimit}) per method`);
  for (const [route, r] of Object.entries(result.agentRoutes)) {
    console.log(`  ${route}: offered ${r.offeredPerSecond}/s, admitted ${r.admittedPerSecond}/s, throttled ${r.throttledPerSecond}/s, other errors ${r.otherErrors}`);
  }
  const line = (name: string, k: ThrottleBenchResult['kills']['idle']) =>
    `  ${name}: answers ${JSON.stringify(k.statuses)}, p50 ${k.ms.p50.toFixed(0)} ms, p99 ${k.ms.p99.toFixed(0)} ms, max ${k.ms.max.toFixed(0)} ms`;
  console.log(line('20 kills, idle', result.kills.idle));
  console.log(line('20 kills, under load', result.kills.underLoad));
  console.log(`  kill p50 under load / idle: ${(result.kills.underLoad.ms.p50 / result.kills.idle.ms.p50).toFixed(1)}×`);
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runThrottleBench(process.argv.includes('--stack-throttle') ? { throttle: REST_STAGE_THROTTLE } : {})
    .then(print)
    .catch((error: unknown) => {
      console.error('bench failed:', error);
      process.exitCode = 1;
    });
}

export { print as printThrottleBench };
