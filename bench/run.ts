/**
 * `npm run bench`: every benchmark, figures printed and written to bench/results.json.
 * Benchmarks measure; they do not pass or fail.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runCrossRegionKillBench, runKillLatencyBench } from './kill-latency';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const main = async () => {
  const startedAt = new Date().toISOString();
  console.log(`Halt benchmarks on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
  const killLatency = await runKillLatencyBench();
  const crossRegion = await runCrossRegionKillBench();
  const results = {
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
