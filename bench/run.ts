/**
 * `npm run bench`: every benchmark, figures printed and written to bench/results.json.
 * Benchmarks measure; they do not pass or fail.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runDemo } from './demo';
import { runGatewayBench } from './gateway';
import { runMiddlewareBench } from './middleware';
import { printMcpBench, runMcpBench } from './mcp';
import { runAwsFanOutModel } from './aws-fan-out-model';
import { runCrossRegionKillBench, runKillLatencyBench } from './kill-latency';
import { runPollingFlagBench } from './polling-flag';
import { printThrottleBench, runThrottleBench } from './throttle';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const main = async () => {
  const startedAt = new Date().toISOString();
  console.log(`Halt benchmarks on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
  // `npm run bench -- --sizes 1,100,1000` to leave out the 10,000-instance kill (it takes minutes).
  const sizesArg = process.argv.indexOf('--sizes');
  const sizes = sizesArg > 0 ? (process.argv[sizesArg + 1] ?? '').split(',').map(Number).filter((n) => n > 0) : undefined;
  const killLatency = await runKillLatencyBench(sizes);
  const crossRegion = await runCrossRegionKillBench();
  // Side by side at 1,000 instances: the design teams build instead, a flag polled every second.
  const pollingFlag = await runPollingFlagBench({ instances: 1_000 });
  const halt1000 = killLatency.killLatency.find((r) => r.instances === 1_000);
  if (halt1000) {
    console.log(
      `side by side, 1,000 instances: Halt stops all (last told) p50 ${halt1000.lastNotified.p50.toFixed(0)} ms, p99 ${halt1000.lastNotified.p99.toFixed(0)} ms, ` +
        `no reads while nothing changes; a flag polled every second, last saw it p50 ${pollingFlag.lastSeen.p50.toFixed(0)} ms, max ${pollingFlag.lastSeen.max.toFixed(0)} ms, ` +
        `${(pollingFlag.cost.readsPerMonth / 1e9).toFixed(2)} billion reads a month ($${pollingFlag.cost.usdPerMonthPerRegion.toFixed(2)} per region)`,
    );
  }
  // The same fan-out code against a model of AWS at 10,000 and 100,000 instances.
  const awsModel = await runAwsFanOutModel();
  const gateway = await runGatewayBench();
  // A Lambda-hosted agent's middleware, direct reads vs REST heartbeats.
  const middleware = await runMiddlewareBench();
  // What the MCP gateway adds to a tool call, and how many calls a second go through it.
  const mcp = await runMcpBench();
  printMcpBench(mcp);
  // 1,000 agent containers holding their routes at the throttle while an operator kills 20 agents.
  const throttle = await runThrottleBench();
  printThrottleBench(throttle);
  // Halt on the same workload as the alternatives: the demo at its real pace (100 emails every 2 s per instance).
  const demo = await runDemo({ records: 3_000, killAt: 900, fast: false });
  console.log(`Halt (demo workload): 3 of 3 stopped ${demo.killToAllStoppedMs} ms after the kill, ${demo.sentAfterKill} emails after it; ${demo.duplicates} duplicates, ${demo.missing} missing`);
  const results = {
    gateway,
    middleware,
    mcp,
    throttle,
    demo: { killToAllStoppedMs: demo.killToAllStoppedMs, sentAfterKill: demo.sentAfterKill, duplicates: demo.duplicates, missing: demo.missing },
    crossRegion,
    pollingFlag,
    awsModel,
    startedAt,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    ...killLatency,
  };
  const file = join(__dirname, 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten to ${file}`);
};

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exitCode = 1;
});
