/**
 * `npm run bench:load`: Halt under load for a bounded time, against the local runtime.
 * 1,000 instances of 10 agents (half holding WebSockets, half heartbeating over REST), a
 * stream of intents from some of them, and a kill or resume every few seconds; then it
 * checks that nothing went wrong: zero unexpected errors, every change audited and published
 * exactly once, and every instance ends on its agent's last version.
 *
 *   npm run bench:load -- [--seconds 60] [--instances 1000] [--agents 10]
 *
 * A benchmark, not a test: it prints p50/p99 and writes bench/load-results.json.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startLocalRuntime } from '../infra/local/runtime';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, HaltAgent } from '../sdk/agent';
import { IntentRefusedError } from '../sdk/errors';
import { HaltClient } from '../sdk/operator-client';
import { summarize, type Summary } from './stats';
import { benchStateDir } from './state-dir';

export interface LoadOptions {
  seconds: number;
  instances: number;
  agents: number;
  /** Instances that send intents back to back (100 ms apart). @default 8 */
  intentWorkers?: number;
  /** A kill or resume every this many ms. @default 3000 */
  changeEveryMs?: number;
  log?: (line: string) => void;
}

export interface LoadResult {
  seconds: number;
  instances: number;
  agents: number;
  heartbeats: Summary;
  intents: Summary;
  refusedIntents: number;
  controlCalls: Summary;
  killToInstancesNotified: Summary;
  changes: number;
  errors: string[];
  lostChanges: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const log = options.log ?? (() => undefined);
  const stateDir = benchStateDir('halt-load-');
  const errors: string[] = [];
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, logLevel: 'SILENT', onError: (e) => errors.push(`runtime: ${e.message}`) });
  const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key, timeoutMs: 30_000 });
  const instances: { agent: HaltAgent; agentId: string; socket: boolean }[] = [];
  const heartbeatMs: number[] = [];
  const intentMs: number[] = [];
  const controlMs: number[] = [];
  const notifiedMs: number[] = [];
  let refusedIntents = 0;
  let changes = 0;
  let running = true;
  let phase: 'start' | 'run' | 'check' | 'close' = 'start';
  try {
    const agentIds = Array.from({ length: options.agents }, (_, i) => `load-${i}`);
    const keys = new Map<string, string>();
    for (const agentId of agentIds) keys.set(agentId, (await operator.createAgent({ agentId, tags: ['load'] })).agentKey);

    // Half the instances hold a WebSocket (presence, pings, pushes); half heartbeat over REST
    // at the SDK's default interval.
    log(`starting ${options.instances} instances of ${options.agents} agents`);
    for (let i = 0; i < options.instances; i++) {
      const agentId = agentIds[i % agentIds.length] as string;
      // every agent gets both kinds: instances alternate between sockets and REST per round of agents
      const socket = Math.floor(i / agentIds.length) % 2 === 0;
      const agent = new HaltAgent({
        url: runtime.restUrl,
        ...(socket ? { wsUrl: runtime.wsUrl } : {}),
        key: keys.get(agentId) as string,
        agentId,
        instanceId: `i-${i}`,
        heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
        failClosedAfterMs: 120_000,
        timeoutMs: 30_000,
      });
      agent.on('error', (e: Error) => errors.push(`instance i-${i} (${phase}): ${e.message}`));
      instances.push({ agent, agentId, socket });
    }
    // Start in slices, so the first heartbeats do not all land in the same millisecond.
    for (let i = 0; i < instances.length; i += 50) await Promise.all(instances.slice(i, i + 50).map((x) => x.agent.start()));
    // REST heartbeats, timed: the SDK's own timer sends them; time a sample of our own too.
    const restInstances = instances.filter((x) => !x.socket);
    log(`running for ${options.seconds} s`);
    phase = 'run';
    const deadline = performance.now() + options.seconds * 1000;

    const heartbeatLoop = async () => {
      while (running && performance.now() < deadline) {
        const pick = restInstances[Math.floor(Math.random() * restInstances.length)];
        if (pick) {
          const started = performance.now();
          try {
            await pick.agent.beat();
            heartbeatMs.push(performance.now() - started);
          } catch (error) {
            errors.push(`heartbeat: ${(error as Error).message}`);
          }
        }
        await sleep(100);
      }
    };

    const intentLoop = async (worker: number) => {
      const me = instances[worker * 3 % instances.length];
      if (!me) return;
      while (running && performance.now() < deadline) {
        const started = performance.now();
        try {
          await me.agent.intent('email.send', { costUsd: 0.001 });
          intentMs.push(performance.now() - started);
        } catch (error) {
          if (error instanceof IntentRefusedError && (error.code === 'agent_killed' || error.code === 'agent_paused')) refusedIntents++;
          else errors.push(`intent: ${(error as Error).message}`);
        }
        await sleep(100);
      }
    };

    const changeLoop = async () => {
      const killed = new Set<string>();
      let turn = 0;
      while (running && performance.now() + (options.changeEveryMs ?? 3_000) < deadline) {
        await sleep(options.changeEveryMs ?? 3_000);
        const agentId = agentIds[turn++ % agentIds.length] as string;
        const resume = killed.has(agentId);
        const connected = instances.filter((x) => x.agentId === agentId && x.socket);
        const started = performance.now();
        const arrivals = resume
          ? []
          : connected.map(
              (x) =>
                new Promise<number>((resolve) => {
                  if (x.agent.status === 'killed') return resolve(0);
                  x.agent.once('kill', () => resolve(performance.now() - started));
                }),
            );
        try {
          if (resume) await operator.resume({ agentId, reason: 'load: resume' });
          else await operator.kill({ agentId, reason: 'load: kill' });
          controlMs.push(performance.now() - started);
          changes++;
          if (resume) killed.delete(agentId);
          else killed.add(agentId);
          if (!resume) {
            const times = await Promise.race([Promise.all(arrivals), sleep(10_000).then(() => undefined)]);
            if (!times) errors.push(`kill of ${agentId}: not every connected instance was told within 10 s`);
            else if (times.length > 0) notifiedMs.push(Math.max(...times));
          }
        } catch (error) {
          errors.push(`control ${agentId}: ${(error as Error).message}`);
        }
      }
      // Leave every agent active, so the end state is known.
      for (const agentId of killed) {
        await operator.resume({ agentId, reason: 'load: final resume' });
        changes++;
      }
    };

    await Promise.all([
      heartbeatLoop(),
      changeLoop(),
      ...Array.from({ length: options.intentWorkers ?? 8 }, (_, w) => intentLoop(w)),
    ]);
    running = false;

    // Nothing lost: each agent's audit trail is 1..version with one event per version, the bus
    // has one event per audit event, and every connected instance ends on the agent's version.
    log('settling and checking');
    phase = 'check';
    await runtime.streamIdle();
    await sleep(1_000);
    await runtime.streamIdle();
    const lostChanges: string[] = [];
    const busEvents = readFileSync(runtime.eventsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { detail: { agentId?: string; version?: number } });
    for (const agentId of agentIds) {
      const agent = await operator.getAgent({ agentId });
      const audit = (await operator.listAudit({ agentId, limit: 500 })).events.map((e) => e.version).sort((a, b) => a - b);
      const expected = Array.from({ length: agent.version }, (_, i) => i + 1);
      if (JSON.stringify(audit) !== JSON.stringify(expected)) lostChanges.push(`${agentId}: audit versions ${audit.join(',')} for version ${agent.version}`);
      const published = busEvents.filter((e) => e.detail.agentId === agentId).map((e) => e.detail.version ?? 0).sort((a, b) => a - b);
      if (JSON.stringify(published) !== JSON.stringify(expected)) lostChanges.push(`${agentId}: bus versions ${published.join(',')} for version ${agent.version}`);
      const behind = instances.filter((x) => x.agentId === agentId && x.socket && x.agent.version !== agent.version);
      if (behind.length > 0) lostChanges.push(`${agentId}: ${behind.length} connected instances not on version ${agent.version}`);
    }
    return {
      seconds: options.seconds,
      instances: options.instances,
      agents: options.agents,
      heartbeats: summarize(heartbeatMs),
      intents: summarize(intentMs),
      refusedIntents,
      controlCalls: summarize(controlMs),
      killToInstancesNotified: summarize(notifiedMs),
      changes,
      errors,
      lostChanges,
    };
  } finally {
    running = false;
    phase = 'close';
    for (let i = 0; i < instances.length; i += 100) await Promise.all(instances.slice(i, i + 100).map((x) => x.agent.close().catch(() => undefined)));
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      instances: { type: 'string', default: '1000' },
      agents: { type: 'string', default: '10' },
    },
  });
  const options = { seconds: Number(values.seconds), instances: Number(values.instances), agents: Number(values.agents) };
  if (!Object.values(options).every((n) => Number.isInteger(n) && n > 0)) {
    console.error('usage: npm run bench:load -- [--seconds N] [--instances N] [--agents N]');
    process.exit(2);
  }
  const ms = (s: Summary) => `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${s.count})`;
  runLoad({ ...options, log: (line) => console.log(line) })
    .then((r) => {
      console.log(`\n${r.instances} instances, ${r.agents} agents, ${r.seconds} s on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
      console.log(`REST heartbeats:            ${ms(r.heartbeats)}`);
      console.log(`intents (allowed):          ${ms(r.intents)}, ${(r.intents.count / r.seconds).toFixed(0)}/s; ${r.refusedIntents} refused while killed`);
      console.log(`kill/resume calls:          ${ms(r.controlCalls)}; ${r.changes} changes`);
      console.log(`kill → connected told:      ${ms(r.killToInstancesNotified)}`);
      console.log(`errors: ${r.errors.length}; lost changes: ${r.lostChanges.length}`);
      for (const line of [...r.errors.slice(0, 10), ...r.lostChanges]) console.log(`  ${line}`);
      writeFileSync(join(__dirname, 'load-results.json'), `${JSON.stringify({ ...r, errors: r.errors.slice(0, 100), at: new Date().toISOString() }, null, 2)}\n`);
      process.exitCode = r.errors.length === 0 && r.lostChanges.length === 0 ? 0 : 1;
    })
    .catch((error: unknown) => {
      console.error('load failed:', error);
      process.exitCode = 1;
    });
}
