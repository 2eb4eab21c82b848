/**
 * `npm run demo`: the 9 AM incident, end to end on this machine. An email-campaign agent
 * works through customer records in batches of 100 on three instances in two regions, each
 * batch asked of the gateway (with its cost) and checkpointed. At `--kill-at` emails someone
 * kills it; the demo shows how long until "3 of 3 stopped", how many emails went out after the
 * kill call, the audit trail; then it resumes and checks a ledger of every send: every record
 * once, none twice, none missing. Before the batches, the campaign asks to send the template to
 * the whole list at once: its policy holds that call for a person, and the operator denies it.
 *
 *   npm run demo -- [--records 50000] [--kill-at 3000] [--fast]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startLocalRuntime, type LocalRuntime } from '../infra/local/runtime';
import { HaltAgent } from '../sdk/agent';
import { IntentRefusedError } from '../sdk/errors';
import { HaltClient } from '../sdk/operator-client';
import { ProgressBars, type BarState } from './progress-bars';
import { runMcpDemo } from './demo-mcp';

export interface DemoOptions {
  records: number;
  killAt: number;
  /** No pause between batches (a real campaign sends 100 emails every 2 s per instance). */
  fast: boolean;
  batchSize?: number;
  /** Where progress goes; none: quiet. */
  log?: (line: string) => void;
  /** Called at every progress tick with each instance's bar (the CLI draws them). */
  onProgress?: (bars: readonly BarState[]) => void;
}

export interface DemoResult {
  records: number;
  sent: number;
  duplicates: number;
  missing: number;
  sentAfterKill: number;
  /** Batches in local-1 (the region that took the kill) whose intent was asked after the kill call returned: must be 0. */
  acceptedAfterKillInKillingRegion: number;
  killToAllStoppedMs: number;
  acknowledged: number;
  instances: number;
  costUsd: number;
  auditTypes: string[];
  /** The campaign's "send to the whole list": held for approval, then denied by the operator. */
  wholeList: { approvalId: string; status: string; refusedWith: string; reason: string };
  timeline: { atMs: number; what: string }[];
  /** Each instance's bar at the end. */
  bars: BarState[];
}

const COST_PER_EMAIL_USD = 0.0001;

interface Shard {
  instanceId: string;
  region: 'local-1' | 'local-2';
  start: number;
  end: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export const runDemo = async (options: DemoOptions): Promise<DemoResult> => {
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 100;
  const interval = options.fast ? 0 : 2_000;
  const stateDir = mkdtempSync(join(tmpdir(), 'halt-demo-'));
  const started = performance.now();
  const timeline: { atMs: number; what: string }[] = [];
  const mark = (what: string) => {
    timeline.push({ atMs: Math.round(performance.now() - started), what });
    log(`[${((performance.now() - started) / 1000).toFixed(2)} s] ${what}`);
  };
  const runtime: LocalRuntime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, regions: 2, logLevel: 'SILENT', warm: true });
  const [one, two] = runtime.regions;
  if (!one || !two) throw new Error('the demo needs two regions');
  const operator = new HaltClient({ url: one.restUrl, key: runtime.operator.key });
  const agents: HaltAgent[] = [];
  try {
    mark('control plane up: local-1 and local-2, replicating');
    const { agentKey } = await operator.createAgent({
      agentId: 'email-campaign',
      name: 'Email campaign',
      tags: ['team=growth'],
      // Sending to the whole list in one call needs a person.
      policy: { approval: { actions: ['email.send_all'], timeoutSeconds: 600 } },
    });
    // local-2 knows the agent (and its key) once replication has carried them over.
    const remote = new HaltClient({ url: two.restUrl, key: agentKey });
    for (let i = 0; i < 200 && !(await remote.getAgent({ agentId: 'email-campaign' }).then(() => true, () => false)); i++) await sleep(50);

    // The ledger is the email provider's record of every email sent: record id → sends.
    const ledger = new Map<number, number>();
    const sendTimes: number[] = [];
    let totalSent = 0;
    const third = Math.ceil(options.records / 3);
    const shards: Shard[] = [
      { instanceId: 'i-1', region: 'local-1', start: 0, end: Math.min(third, options.records) },
      { instanceId: 'i-2', region: 'local-1', start: third, end: Math.min(2 * third, options.records) },
      { instanceId: 'i-3', region: 'local-2', start: 2 * third, end: options.records },
    ];
    const bars = new Map<string, BarState>(
      shards.map((s) => [s.instanceId, { label: `${s.instanceId} (${s.region})`, done: 0, total: s.end - s.start, state: 'starting' }]),
    );
    const setBar = (shard: Shard, next: number, state: string) => {
      const bar = bars.get(shard.instanceId);
      if (bar) Object.assign(bar, { done: next - shard.start, state });
    };
    let killed = false;
    let killReturnedAt = Number.POSITIVE_INFINITY;
    let resumeAt = Number.POSITIVE_INFINITY;
    let acceptedAfterKillInKillingRegion = 0;
    let resumeDone!: () => void;
    const resumed = new Promise<void>((resolve) => (resumeDone = resolve));
    let killRequested!: () => void;
    const killPoint = new Promise<void>((resolve) => (killRequested = resolve));

    const instance = async (shard: Shard) => {
      const region = shard.region === 'local-1' ? one : two;
      const halt = new HaltAgent({
        url: region.restUrl,
        wsUrl: region.wsUrl,
        key: agentKey,
        agentId: 'email-campaign',
        instanceId: shard.instanceId,
        region: shard.region,
      });
      halt.on('error', () => undefined);
      halt.on('kill', (change: { version: number }) => setBar(shard, next, `stopped (killed, v${change.version})`));
      agents.push(halt);
      await halt.start();
      let next = (await halt.loadCheckpoint<{ next: number }>(shard.instanceId))?.data.next ?? shard.start;
      setBar(shard, next, 'sending');
      while (next < shard.end) {
        if (halt.shouldStop) {
          setBar(shard, next, `stopped (${halt.status}, v${halt.version})`);
          await halt.waitUntilActive();
          next = (await halt.loadCheckpoint<{ next: number }>(shard.instanceId))?.data.next ?? next;
          setBar(shard, next, `sending (resumed from checkpoint ${next.toLocaleString('en-US')})`);
          continue;
        }
        await sleep(interval, halt.signal);
        if (halt.signal.aborted) continue;
        const size = Math.min(batchSize, shard.end - next);
        const askedAt = performance.now();
        try {
          await halt.intent('email.send', { costUsd: size * COST_PER_EMAIL_USD });
          if (shard.region === 'local-1' && askedAt > killReturnedAt && askedAt < resumeAt) acceptedAfterKillInKillingRegion++;
        } catch (error) {
          if (error instanceof IntentRefusedError && (error.code === 'agent_killed' || error.code === 'agent_paused')) {
            await halt.waitUntilActive();
            continue;
          }
          throw error;
        }
        // The batch goes out and its checkpoint is saved together: a kill stops the next batch, not this one.
        const at = performance.now();
        for (let id = next; id < next + size; id++) {
          ledger.set(id, (ledger.get(id) ?? 0) + 1);
          sendTimes.push(at);
        }
        next += size;
        totalSent += size;
        if (!halt.shouldStop) setBar(shard, next, 'sending');
        await halt.saveCheckpoint(shard.instanceId, { next });
        halt.recordSuccess();
        if (!killed && totalSent >= options.killAt) killRequested();
      }
    };

    // The campaign first asks to send the template to the whole list in one call: the gateway
    // holds it for a person, who denies it; the campaign goes on in batches instead.
    // (The planner only asks the gateway: not started, it is not one of the campaign's instances,
    // and it learns the decision by asking again, every 200 ms.)
    const planner = new HaltAgent({ url: one.restUrl, wsUrl: one.wsUrl, key: agentKey, agentId: 'email-campaign', instanceId: 'planner', region: 'local-1' });
    planner.on('error', () => undefined);
    const wholeListCall = planner.intent('email.send_all', {
      costUsd: options.records * COST_PER_EMAIL_USD,
      payload: { list: 'all-customers', records: options.records, template: 'spring-sale' },
      waitForApproval: { timeoutMs: 30_000, pollIntervalMs: 200 },
    });
    // (its refusal is read below; caught here so it is never an unhandled rejection meanwhile)
    const wholeListOutcome = wholeListCall.then(
      () => ({ refusedWith: 'admitted' }),
      (error: unknown) => ({ refusedWith: error instanceof IntentRefusedError ? error.code : String(error) }),
    );
    let pending: Awaited<ReturnType<HaltClient['listApprovals']>>['approvals'][number] | undefined;
    for (let i = 0; i < 200 && !pending; i++) {
      pending = (await operator.listApprovals({ status: 'pending', agentId: 'email-campaign' })).approvals[0];
      if (!pending) await sleep(25);
    }
    if (!pending) throw new Error('the whole-list send was not held for approval');
    mark(`the campaign asks to send to all ${options.records.toLocaleString('en-US')} customers at once: held for approval (${pending.approvalId})`);
    const denyReason = 'one send to the whole list is not allowed: send in batches of 100';
    await operator.deny({ approvalId: pending.approvalId, reason: denyReason });
    const { refusedWith } = await wholeListOutcome;
    mark(`the operator denies it; the campaign's call is refused (${refusedWith}) and it sends in batches`);
    const wholeList = { approvalId: pending.approvalId, status: (await operator.getApproval({ approvalId: pending.approvalId })).status, refusedWith, reason: denyReason };

    mark(`3 instances start: i-1 and i-2 on local-1, i-3 on local-2; ${options.records} records in batches of ${batchSize}`);
    const onProgress = options.onProgress;
    const progress = onProgress ? setInterval(() => onProgress([...bars.values()]), options.fast ? 250 : 500) : undefined;
    const runs = shards.map((s) => instance(s));
    const kill = killPoint.then(async () => {
      killed = true;
      const killStart = performance.now();
      mark(`${totalSent} emails sent — the template breaks the law: kill`);
      let stoppedAt = 0;
      const result = await operator.kill({
        agentId: 'email-campaign',
        reason: 'the template breaks the law',
        wait: {
          timeoutMs: 30_000,
          intervalMs: 20,
          onProgress: ({ acknowledged, total }) => {
            // The first look comes after the kill call has answered: from here the gateway refuses.
            if (killReturnedAt === Number.POSITIVE_INFINITY) killReturnedAt = performance.now();
            if (acknowledged === total && stoppedAt === 0) stoppedAt = performance.now();
          },
        },
      });
      const killToAllStoppedMs = Math.round((stoppedAt || performance.now()) - killStart);
      mark(`${result.acknowledged} of ${result.total} instances stopped, ${killToAllStoppedMs} ms after the kill call (told ${result.pushed} at once in local-1)`);
      await sleep(500);
      const sentAfterKill = sendTimes.filter((t) => t > killStart).length;
      mark(`emails sent after the kill call: ${sentAfterKill} (batches already past the gateway)`);
      await runtime.streamIdle();
      const audit = await operator.listAudit({ agentId: 'email-campaign' });
      for (const e of [...audit.events].reverse()) log(`  audit: v${e.version} ${e.type} by ${e.actor}${e.reason ? ` — ${e.reason}` : ''} (${e.region})`);
      await sleep(options.fast ? 200 : 2_000);
      resumeAt = performance.now();
      await operator.resume({ agentId: 'email-campaign', reason: 'template fixed and approved' });
      mark('resumed: the instances continue from their checkpoints');
      resumeDone();
      return { killToAllStoppedMs, sentAfterKill, acknowledged: result.acknowledged ?? 0, instances: result.total ?? 0 };
    });
    if (options.killAt >= options.records) killRequested();
    await Promise.all(runs);
    const stop = await kill;
    await resumed;
    if (progress) clearInterval(progress);
    for (const shard of shards) setBar(shard, shard.end, 'done');
    onProgress?.([...bars.values()]);
    mark('campaign finished');

    let duplicates = 0;
    let missing = 0;
    for (let id = 0; id < options.records; id++) {
      const sends = ledger.get(id) ?? 0;
      if (sends === 0) missing++;
      if (sends > 1) duplicates += sends - 1;
    }
    await runtime.streamIdle();
    const usage = await operator.getUsage({ agentId: 'email-campaign', days: 1 });
    const audit = await operator.listAudit({ agentId: 'email-campaign' });
    return {
      records: options.records,
      sent: [...ledger.values()].reduce((a, b) => a + b, 0),
      duplicates,
      missing,
      sentAfterKill: stop.sentAfterKill,
      acceptedAfterKillInKillingRegion,
      killToAllStoppedMs: stop.killToAllStoppedMs,
      acknowledged: stop.acknowledged,
      instances: stop.instances,
      costUsd: usage.days[0]?.costUsd ?? 0,
      auditTypes: audit.events.map((e) => e.type).reverse(),
      wholeList,
      timeline,
      bars: [...bars.values()].map((b) => ({ ...b })),
    };
  } finally {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '50000' },
      'kill-at': { type: 'string', default: '3000' },
      fast: { type: 'boolean', default: false },
      // The sender as an MCP tool behind Halt, run by code that ignores the kill.
      mcp: { type: 'boolean', default: false },
    },
  });
  if (values.mcp) {
    runMcpDemo({ log: (line) => console.log(line) })
      .then((r) => {
        console.log(`\nsent before the kill ${r.sentBeforeKill}; after it ${r.sentAfterKill} (${r.callsAfterKill} calls, ${r.refusedAfterKill} refused: ${r.refusalCode ?? 'none'})`);
        process.exitCode = r.sentAfterKill === 0 ? 0 : 1;
      })
      .catch((error: unknown) => {
        console.error('demo failed:', error);
        process.exitCode = 1;
      });
  } else {
    const records = Number(values.records);
    const killAt = Number(values['kill-at']);
    if (!Number.isInteger(records) || records < 3 || !Number.isInteger(killAt) || killAt < 0) {
      console.error('usage: npm run demo -- [--records N (≥ 3)] [--kill-at N] [--fast]');
      process.exit(2);
    }
    const screen = new ProgressBars(process.stdout, () => latest);
    let latest: readonly BarState[] = [];
    runDemo({
      records,
      killAt,
      fast: values.fast ?? false,
      log: (line) => screen.log(line),
      onProgress: (bars) => {
        latest = bars;
        screen.tick();
      },
    })
      .then((r) => {
        console.log('');
        console.log(`${r.sent.toLocaleString()} sent of ${r.records.toLocaleString()} records, ${r.duplicates} duplicates, ${r.missing} missing`);
        console.log(`kill → ${r.acknowledged} of ${r.instances} stopped in ${r.killToAllStoppedMs} ms; ${r.sentAfterKill} emails after the kill call`);
        console.log(`whole-list send: ${r.wholeList.status} (${r.wholeList.reason}), the agent got ${r.wholeList.refusedWith}`);
        console.log(`cost $${r.costUsd.toFixed(2)}; audit: ${r.auditTypes.join(' → ')}`);
        process.exitCode = r.duplicates === 0 && r.missing === 0 ? 0 : 1;
      })
      .catch((error: unknown) => {
        console.error('demo failed:', error);
        process.exitCode = 1;
      });
  }
}
