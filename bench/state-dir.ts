/**
 * Where a benchmark's runtime keeps DynamoDB Local's data: in memory-backed storage
 * (`/dev/shm`) where the machine has it, else the temporary folder.
 *
 * The engine writes its data file through SQLite, which waits for the disk on every write: on
 * the 2-core VM the figures in docs/benchmarks.md come from, 243 conditional writes a second
 * on its disk against 615 in `/dev/shm` (same engine, same data file format, 50 in flight). A
 * benchmark of Halt would otherwise measure that disk. `npm start` keeps its data on disk, as
 * it should; `HALT_BENCH_ON_DISK=1` runs the benchmarks there too.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MEMORY_BACKED = '/dev/shm';

export const benchStorage = (): string => (!process.env.HALT_BENCH_ON_DISK && existsSync(MEMORY_BACKED) ? MEMORY_BACKED : tmpdir());

/** A new folder for one benchmark's state. */
export const benchStateDir = (prefix: string): string => mkdtempSync(join(benchStorage(), prefix));
