/**
 * The design Halt is compared against: a stop flag in DynamoDB that each of N instances reads
 * every second. Measured on DynamoDB Local: the time from writing the flag to each instance
 * seeing it (p50, p99, max over every instance and round), the time to the last instance per
 * round, the poll rate the instances actually achieved against the intended one, and the
 * GetItem latency; priced: the reads a month at the intended rate, on demand.
 *
 * Everything but the engine runs in this one process: N timers sharing one DynamoDBClient (the
 * SDK's default pool of 50 keep-alive sockets) where a real fleet has N clients, and a client
 * of its own for the operator who writes the flag. DynamoDB Local has no
 * replication lag and no network between the instances and the table, so the propagation
 * figures are a lower bound for the design; in AWS an eventually consistent read can return
 * the old flag for a while after the write.
 *
 *   npx tsx bench/polling-flag.ts
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { startDynamoEngine } from '../infra/local/dynamo-engine';
import { summarize, type Summary } from './stats';
import { benchStateDir } from './state-dir';

/**
 * us-east-1, on-demand, per million read request units, as published on
 * https://aws.amazon.com/dynamodb/pricing/on-demand/ (re-check before relying on it).
 */
export const DYNAMO_READ_PER_MILLION_USD = 0.125;
/** An eventually consistent GetItem of an item up to 4 KB costs half a read request unit. */
const READ_UNITS_PER_EVENTUALLY_CONSISTENT_GET = 0.5;
const SECONDS_PER_MONTH = 86_400 * 30;

const TABLE_NAME = 'polling-flag-bench';
const FLAG_KEY = { pk: { S: 'stop-flag' } };
/** How long a round waits for every instance to see the flag before it records how many did. */
const PROPAGATION_CEILING_MS = 30_000;
/** A request is abandoned (and counted as an error) after this long, socket wait included. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long a round waits for the reads still in flight after it ends. */
const DRAIN_CEILING_MS = 10_000;
/** Reads sent before the first round, to get DynamoDB Local's JVM past its slow start (not reported). */
const WARM_UP_READS = 5_000;
/** As many as the shared client has sockets (the SDK's default). */
const WARM_UP_CONCURRENCY = 50;

export interface PollingFlagOptions {
  /** Simulated instances, each polling the flag on its own timer. @default 1000 */
  readonly instances?: number;
  /** Flag writes measured, each after the pollers have run for two intervals. @default 5 */
  readonly rounds?: number;
  /** How often each instance reads the flag, ms. @default 1000 */
  readonly pollIntervalMs?: number;
}

export interface PollingFlagRound {
  /** Instances that saw the flag before the ceiling. */
  seen: number;
  instances: number;
  /** Flag write → last instance saw it, ms; null when not every instance saw it. */
  lastSeenMs: number | null;
  /** Duration of the PutItem that set the flag, ms. */
  writeMs: number;
  /** GetItems completed per second in the steady-state window before the write. */
  pollsPerSecond: number;
}

export interface PollingFlagResult {
  settings: {
    instances: number;
    rounds: number;
    pollIntervalMs: number;
    /** Pollers run this long before each write; the achieved rate is counted over its last part. */
    steadyStateMs: number;
    propagationCeilingMs: number;
  };
  /** Flag write (PutItem start) → each instance's GetItem returned the flag, ms, over all instances and rounds. */
  seen: Summary;
  /** Flag write → the last instance saw it, ms, one value per round where every instance saw it. */
  lastSeen: Summary;
  rounds: PollingFlagRound[];
  /** Rounds in which every instance saw the flag before the ceiling. */
  completeRounds: number;
  pollRate: {
    /** N / interval. */
    intendedPerSecond: number;
    /** GetItems completed per second in the steady-state windows (all rounds together). */
    achievedPerSecond: number;
    /** Timer ticks skipped because the instance's previous read had not returned yet. */
    missedTicks: number;
  };
  /** Duration of each successful GetItem, ms (includes waiting for a socket of the shared client). */
  getItem: Summary;
  /** CPU time of this process (the pollers and the SDK, not the engine) over the rounds, % of one core. */
  pollerProcessCpuPercent: number;
  /** GetItems that failed (each instance retries on its next tick, no SDK retries). */
  errors: number;
  /** The first failure's message, if any. */
  firstError: string | null;
  cost: {
    /** Eventually consistent GetItems a month at the intended rate: N × 86,400 × 30 / interval in s. */
    readsPerMonth: number;
    readRequestUnitsPerMonth: number;
    usdPerMillionReadRequestUnits: number;
    /** For one region's table and its N pollers. */
    usdPerMonthPerRegion: number;
    note: string;
  };
}

interface Poller {
  readonly phaseMs: number;
  timer?: NodeJS.Timeout;
  inFlight: boolean;
  /** performance.now() when this instance's read returned the flag, this round. */
  seenAt?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const positiveInteger = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (got ${value})`);
  return value;
};

/** The two lines the benchmark prints. */
const describePollingFlagResult = (result: PollingFlagResult): string[] => {
  const { settings, seen, lastSeen, pollRate, getItem, cost } = result;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return [
    `polling flag (GetItem every ${settings.pollIntervalMs} ms), ${String(settings.instances).padStart(4)} instances, ${settings.rounds} rounds: ` +
      `flag write → instance saw it p50 ${ms(seen.p50)}, p99 ${ms(seen.p99)}, max ${ms(seen.max)}; ` +
      `→ last instance p50 ${ms(lastSeen.p50)}, max ${ms(lastSeen.max)} ` +
      `(all saw it in ${result.completeRounds}/${settings.rounds} rounds; seen ${result.rounds.map((r) => r.seen).join('/')} of ${settings.instances})`,
    `  poll rate ${pollRate.achievedPerSecond.toFixed(1)}/s of ${pollRate.intendedPerSecond.toFixed(1)}/s intended ` +
      `(${pollRate.missedTicks} missed ticks; GetItem p50 ${getItem.p50.toFixed(2)} ms, p99 ${getItem.p99.toFixed(2)} ms; ${result.errors} errors; this process ${result.pollerProcessCpuPercent}% of a core); ` +
      `${(cost.readsPerMonth / 1e9).toFixed(2)} billion reads a month = $${cost.usdPerMonthPerRegion.toFixed(2)} a month per region ` +
      `at $${cost.usdPerMillionReadRequestUnits} per million RRU (flag reads only)`,
  ];
};

/**
 * Start DynamoDB Local, run N pollers against a stop flag for `rounds` flag writes, stop.
 *
 * @example
 * const result = await runPollingFlagBench({ instances: 100, rounds: 2 });
 * console.log(result.seen.p99, result.cost.usdPerMonthPerRegion);
 */
export const runPollingFlagBench = async (options: PollingFlagOptions = {}): Promise<PollingFlagResult> => {
  const instances = positiveInteger('instances', options.instances ?? 1_000);
  const rounds = positiveInteger('rounds', options.rounds ?? 5);
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  if (!(pollIntervalMs > 0)) throw new RangeError(`pollIntervalMs must be above 0 (got ${pollIntervalMs})`);
  const steadyStateMs = 2 * pollIntervalMs;

  const dataDir = benchStateDir('halt-bench-poll-');
  const engine = await startDynamoEngine({ dataDir, restartOnExit: false }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const clientConfig = {
    region: 'local-1',
    endpoint: engine.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    // a request the engine never answers fails instead of holding the round (or the write) forever
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS },
  };
  // The instances share one client; the operator writing the flag has its own, so the write
  // does not queue behind the instances' reads for a socket.
  const client = new DynamoDBClient(clientConfig);
  const operator = new DynamoDBClient(clientConfig);
  const pollers: Poller[] = Array.from({ length: instances }, () => ({ phaseMs: Math.random() * pollIntervalMs, inFlight: false }));
  try {
    await operator.send(
      new CreateTableCommand({
        TableName: TABLE_NAME,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await waitUntilTableExists({ client: operator, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: TABLE_NAME });
    const setFlag = (stopped: boolean) =>
      operator.send(new PutItemCommand({ TableName: TABLE_NAME, Item: { ...FLAG_KEY, stopped: { BOOL: stopped } } }));
    const readFlag = () => client.send(new GetItemCommand({ TableName: TABLE_NAME, Key: FLAG_KEY, ConsistentRead: false }));
    await setFlag(false);

    const warmUpStart = performance.now();
    for (let sent = 0; sent < WARM_UP_READS; sent += WARM_UP_CONCURRENCY) {
      await Promise.all(Array.from({ length: WARM_UP_CONCURRENCY }, readFlag));
    }
    const warmUpRate = WARM_UP_READS / ((performance.now() - warmUpStart) / 1000);
    console.log(`(warm-up: ${WARM_UP_READS} GetItems, ${WARM_UP_CONCURRENCY} at a time, ${warmUpRate.toFixed(0)}/s — not reported)`);

    const seenMs: number[] = [];
    const getItemMs: number[] = [];
    const roundResults: PollingFlagRound[] = [];
    let errors = 0;
    let firstError: string | null = null;
    let missedTicks = 0;
    let steadyReads = 0;
    let steadyWindowMs = 0;

    // State of the round under way; reads that return after their round ended are ignored.
    let currentRound = -1;
    let writtenAt: number | undefined;
    let seenCount = 0;
    let onAllSeen: (() => void) | undefined;
    let windowStart = 0;
    let windowEnd = Number.POSITIVE_INFINITY;

    const poll = async (poller: Poller, round: number) => {
      poller.inFlight = true;
      const sent = performance.now();
      try {
        const output = await readFlag();
        const returned = performance.now();
        getItemMs.push(returned - sent);
        if (returned >= windowStart && returned < windowEnd) steadyReads++;
        if (round !== currentRound || writtenAt === undefined || poller.seenAt !== undefined) return;
        if (output.Item?.stopped?.BOOL === true) {
          poller.seenAt = returned;
          clearTimeout(poller.timer);
          seenCount++;
          if (seenCount === instances) onAllSeen?.();
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      } finally {
        poller.inFlight = false;
      }
    };

    /**
     * Tick k at roundStart + phase + k × interval. A tick whose instance is still waiting on its
     * last read is skipped, and so is a tick the event loop was too busy to fire before the next.
     */
    const schedule = (poller: Poller, round: number, roundStart: number, tick: number) => {
      const tickAt = (k: number) => roundStart + poller.phaseMs + k * pollIntervalMs;
      poller.timer = setTimeout(() => {
        if (round !== currentRound || poller.seenAt !== undefined) return;
        if (poller.inFlight) missedTicks++;
        else void poll(poller, round);
        let next = tick + 1;
        for (; tickAt(next) <= performance.now(); next++) missedTicks++;
        schedule(poller, round, roundStart, next);
      }, Math.max(0, tickAt(tick) - performance.now()));
    };

    const cpuBefore = process.cpuUsage();
    const roundsStart = performance.now();
    for (let round = 0; round < rounds; round++) {
      currentRound = round;
      writtenAt = undefined;
      seenCount = 0;
      for (const poller of pollers) poller.seenAt = undefined;
      const allSeen = new Promise<void>((resolve) => {
        onAllSeen = resolve;
      });
      const roundStart = performance.now();
      windowStart = roundStart + pollIntervalMs;
      windowEnd = Number.POSITIVE_INFINITY;
      for (const poller of pollers) schedule(poller, round, roundStart, 0);

      const steadyReadsBefore = steadyReads;
      await sleep(steadyStateMs);
      const writeStart = performance.now();
      writtenAt = writeStart;
      windowEnd = writeStart;
      const roundSteadyReads = steadyReads - steadyReadsBefore;
      await setFlag(true);
      const writeMs = performance.now() - writeStart;
      const windowMs = writeStart - windowStart;
      steadyWindowMs += windowMs;

      let ceiling: NodeJS.Timeout | undefined;
      await Promise.race([allSeen, new Promise<void>((resolve) => (ceiling = setTimeout(resolve, PROPAGATION_CEILING_MS)))]);
      clearTimeout(ceiling);
      currentRound = -1;
      for (const poller of pollers) clearTimeout(poller.timer);

      const roundSeen = pollers.flatMap((p) => (p.seenAt === undefined ? [] : [p.seenAt - writeStart]));
      seenMs.push(...roundSeen);
      roundResults.push({
        seen: roundSeen.length,
        instances,
        lastSeenMs: roundSeen.length === instances ? Math.round(Math.max(...roundSeen) * 1000) / 1000 : null,
        writeMs: Math.round(writeMs * 1000) / 1000,
        pollsPerSecond: Math.round((roundSteadyReads / windowMs) * 1000 * 10) / 10,
      });

      const drainDeadline = performance.now() + DRAIN_CEILING_MS;
      while (pollers.some((p) => p.inFlight) && performance.now() < drainDeadline) await sleep(10);
      await setFlag(false);
    }

    const cpu = process.cpuUsage(cpuBefore);
    const pollerProcessCpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - roundsStart)) * 1000) / 10;
    const lastSeen = roundResults.flatMap((r) => (r.lastSeenMs === null ? [] : [r.lastSeenMs]));
    const intendedPerSecond = instances / (pollIntervalMs / 1000);
    const readsPerMonth = (instances * SECONDS_PER_MONTH) / (pollIntervalMs / 1000);
    const readRequestUnitsPerMonth = readsPerMonth * READ_UNITS_PER_EVENTUALLY_CONSISTENT_GET;
    const result: PollingFlagResult = {
      settings: { instances, rounds, pollIntervalMs, steadyStateMs, propagationCeilingMs: PROPAGATION_CEILING_MS },
      seen: summarize(seenMs),
      lastSeen: summarize(lastSeen),
      rounds: roundResults,
      completeRounds: lastSeen.length,
      pollRate: {
        intendedPerSecond: Math.round(intendedPerSecond * 10) / 10,
        achievedPerSecond: Math.round((steadyReads / steadyWindowMs) * 1000 * 10) / 10,
        missedTicks,
      },
      getItem: summarize(getItemMs),
      pollerProcessCpuPercent,
      errors,
      firstError,
      cost: {
        readsPerMonth,
        readRequestUnitsPerMonth,
        usdPerMillionReadRequestUnits: DYNAMO_READ_PER_MILLION_USD,
        usdPerMonthPerRegion: Math.round((readRequestUnitsPerMonth / 1e6) * DYNAMO_READ_PER_MILLION_USD * 100) / 100,
        note:
          'The flag reads alone, at the intended rate, on-demand us-east-1 price: no storage, no writes, no data transfer, ' +
          'no other region, and not the compute the instances spend polling.',
      },
    };
    for (const line of describePollingFlagResult(result)) console.log(line);
    return result;
  } finally {
    for (const poller of pollers) clearTimeout(poller.timer);
    client.destroy();
    operator.destroy();
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runPollingFlagBench()
    .then((result) => {
      console.log(JSON.stringify(result, null, 2));
    })
    .catch((error: unknown) => {
      console.error('polling-flag bench failed:', error);
      process.exitCode = 1;
    });
}
