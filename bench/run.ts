/**
 * `npm run bench`: every benchmark, figures printed and written to bench/results.json.
 * Benchmarks measure; they do not pass or fail.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runDemo } from './demo';
import { runGatewayBench } from './gateway';
import { runCrossRegionKillBench, runKillLatencyBench } from './kill-latency';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const main = async () => {
  const startedAt = new Date().toISOString();
  console.log(`Halt benchmarks on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
  const killLatency = await runKillLatencyBench();
  const crossRegion = await runCrossRegionKillBench();
  const gateway = await runGatewayBench();
  // Halt on the same workload as the alternatives: the demo at its real pace (100 emails every 2 s per instance).
  const demo = await runDemo({ records: 3_000, killAt: 900, fast: false });
  console.log(`Halt (demo workload): 3 of 3 stopped ${demo.killToAllStoppedMs} ms after the kill, ${demo.sentAfterKill} emails after it; ${demo.duplicates} duplicates, ${demo.missing} missing`);
  const results = {
    gateway,
    demo: { killToAllStoppedMs: demo.killToAllStoppedMs, sentAfterKill: demo.sentAfterKill, duplicates: demo.duplicates, missing: demo.missing },
    crossRegion,
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
