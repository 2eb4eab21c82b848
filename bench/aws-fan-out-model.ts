/**
 * A model of the kill fan-out in AWS at 10,000 and 100,000 instances: Halt's own fan-out code
 * (`FanOutNotifier`, `pushShard`, `RetryingPoster`, unchanged) runs against a modelled
 * connections table, a modelled Lambda (asynchronous invocations of the push worker) and a
 * modelled management API that answers each `PostToConnection` after a latency drawn from a
 * distribution and enforces API Gateway's account-wide rate limit with a token bucket (a post
 * over it answers 429 and is retried by the fan-out code, as in AWS). Time is real (timers):
 * the figures are wall-clock times of the code, only the AWS side is modelled.
 *
 * Every assumption is in `AWS_ASSUMPTIONS`, with where it comes from. Run on its own:
 *   npx tsx bench/aws-fan-out-model.ts
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_PUSH_CONCURRENCY, DEFAULT_SHARD_SIZE, FanOutNotifier, type PushWorkers } from '../lambdas/adapters/push/fan-out-notifier';
import { pushShard, type PushShard } from '../lambdas/adapters/push/push-shard';
import { RetryingPoster, type PostAttempt } from '../lambdas/adapters/push/signed-poster';
import type { ConnectionRecord, ConnectionRepository, ConnectionTarget } from '../lambdas/adapters/dynamo/connections';
import { summarize, type Summary } from './stats';

/** A latency as its median and 99th percentile, ms (drawn log-normally between them). */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly source: string;
}

export const AWS_ASSUMPTIONS = {
  postToConnection: {
    p50: 40,
    p99: 120,
    source:
      'AWS publishes no PostToConnection latency. Third-party reports put a WebSocket route round trip at 40–120 ms (Node 20, us-east-1); ' +
      'the model takes that whole range as one post, a pessimistic reading. `halt doctor` (docs/deploy.md) is to measure it on a real stack.',
  },
  invokeAccepted: {
    p50: 15,
    p99: 45,
    source: 'Lambda Invoke with InvocationType Event answers 202 once the event is queued; assumed to cost about one in-region API call.',
  },
  asyncQueueDwell: {
    p50: 73,
    p99: 225,
    source:
      'Measured producer → asynchronously invoked Lambda: p50 73 ms, p99 225 ms (bitesizedserverless.com, "Serverless messaging latency compared", ' +
      'SNS → Lambda, eu-west-1). Warm workers; a cold start adds its init time on top.',
  },
  queryPage: {
    p50: 12,
    p99: 40,
    source: 'One Query page of the connections table (at most 1 MB, about 4,000 connection items): assumed; DynamoDB answers small reads in single-digit ms.',
  },
  connectionsPerPage: 4_000,
  /** API Gateway: 10,000 requests per second per account and region with a bucket of 5,000, shared with WebSocket callback (@connections) calls. */
  accountRatePerSecond: 10_000,
  accountBurst: 5_000,
  accountLimitSource: 'Amazon API Gateway quotas (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): "Throttle quota per account, per Region across HTTP APIs, REST APIs, WebSocket APIs, and WebSocket callback APIs: 10,000 RPS … maximum bucket capacity of 5,000 requests".',
  killWrite: { p50: 8, p99: 25, source: 'The conditional UpdateItem of the kill itself: assumed.' },
} as const;

/** Standard normal (Box–Muller). */
const gaussian = (): number => {
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};

const Z99 = 2.3263;
const sampler = (latency: { p50: number; p99: number }) => {
  const mu = Math.log(latency.p50);
  const sigma = (Math.log(latency.p99) - mu) / Z99;
  return () => Math.exp(mu + sigma * gaussian());
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** API Gateway's account throttle: a token bucket refilled continuously. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();

  public constructor(private readonly ratePerSecond: number, private readonly capacity: number) {
    this.tokens = capacity;
  }

  public take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The agent's connections, read a modelled page at a time. */
class ModelConnections implements ConnectionRepository {
  public constructor(private readonly count: number, private readonly page: () => number) {}

  public async *pagesOfAgent(): AsyncIterable<ConnectionTarget[]> {
    for (let i = 0; i < this.count; i += AWS_ASSUMPTIONS.connectionsPerPage) {
      await sleep(this.page());
      const n = Math.min(AWS_ASSUMPTIONS.connectionsPerPage, this.count - i);
      yield Array.from({ length: n }, (_, j) => ({ connectionId: `c${i + j}`, instanceId: `i${i + j}` }));
    }
  }

  public async put(): Promise<void> {}
  public async get(): Promise<ConnectionRecord | undefined> {
    return undefined;
  }
  public async remove(): Promise<void> {}
  public async removeGone(): Promise<boolean> {
    return false;
  }
  public async ofAgent(): Promise<ConnectionRecord[]> {
    return [];
  }
  public async watchers(): Promise<ConnectionRecord[]> {
    return [];
  }
  /** The model times a kill's fan-out only; no key is revoked in it. */
  public async ofKey(): Promise<ConnectionRecord[]> {
    return [];
  }
}

export interface ModelRun {
  instances: number;
  shardSize: number;
  concurrency: number;
  /** Kill call start → the kill call answers (write, first shard posted, the rest handed off), ms. */
  killCallMs: number;
  /** Kill call start → the last instance's post is answered, ms. */
  lastToldMs: number;
  /** Posts answered 429 by the account throttle (each retried). */
  throttled: number;
  /** Posts that failed for good (retries exhausted). */
  failed: number;
  workers: number;
}

/** One kill of `instances` connected instances through the real fan-out code. */
export const modelKill = async (options: { instances: number; shardSize: number; concurrency: number }): Promise<ModelRun> => {
  const post = sampler(AWS_ASSUMPTIONS.postToConnection);
  const accept = sampler(AWS_ASSUMPTIONS.invokeAccepted);
  const dwell = sampler(AWS_ASSUMPTIONS.asyncQueueDwell);
  const write = sampler(AWS_ASSUMPTIONS.killWrite);
  const bucket = new TokenBucket(AWS_ASSUMPTIONS.accountRatePerSecond, AWS_ASSUMPTIONS.accountBurst);
  const connections = new ModelConnections(options.instances, sampler(AWS_ASSUMPTIONS.queryPage));
  const told = new Set<string>();
  let lastToldAt = 0;
  let throttled = 0;
  let failed = 0;
  let workers = 0;
  const attempt: PostAttempt = async (connectionId) => {
    const latency = post();
    // The throttle answers at once (half a round trip); an accepted post takes the full one.
    if (!bucket.take()) {
      throttled++;
      await sleep(latency / 2);
      return { status: 429, body: 'TooManyRequestsException' };
    }
    await sleep(latency);
    told.add(connectionId);
    lastToldAt = performance.now();
    return { status: 200, body: '' };
  };
  const onError = () => {
    failed++;
  };
  // Each worker invocation has its own poster (its own sockets), as each Lambda environment does.
  const workerPool: PushWorkers = {
    dispatch: async (shard: PushShard) => {
      await sleep(accept());
      workers++;
      void sleep(dwell()).then(() =>
        pushShard({ poster: new RetryingPoster({ attempt }), connections, concurrency: options.concurrency, onError }, shard),
      );
    },
  };
  const notifier = new FanOutNotifier({
    connections,
    poster: new RetryingPoster({ attempt }),
    workers: workerPool,
    shardSize: options.shardSize,
    concurrency: options.concurrency,
    onError,
  });
  const start = performance.now();
  await sleep(write());
  await notifier.pushToAgent('agent', { type: 'kill', agentId: 'agent', version: 2, reason: 'model', actor: 'ops', at: new Date().toISOString() });
  const killCallMs = performance.now() - start;
  while (told.size + failed < options.instances) await sleep(5);
  return { instances: options.instances, shardSize: options.shardSize, concurrency: options.concurrency, killCallMs, lastToldMs: lastToldAt - start, throttled, failed, workers };
};

export interface ModelSummary {
  instances: number;
  shardSize: number;
  concurrency: number;
  runs: number;
  lastTold: Summary;
  killCall: Summary;
  throttledPerKill: number;
  failed: number;
  workers: number;
}

const summarizeRuns = (runs: ModelRun[]): ModelSummary => {
  const first = runs[0] as ModelRun;
  return {
    instances: first.instances,
    shardSize: first.shardSize,
    concurrency: first.concurrency,
    runs: runs.length,
    lastTold: summarize(runs.map((r) => r.lastToldMs)),
    killCall: summarize(runs.map((r) => r.killCallMs)),
    throttledPerKill: Math.round(runs.reduce((n, r) => n + r.throttled, 0) / runs.length),
    failed: runs.reduce((n, r) => n + r.failed, 0),
    workers: first.workers,
  };
};

export const describeModel = (m: ModelSummary) =>
  `${String(m.instances).padStart(7)} instances, shards of ${String(m.shardSize).padStart(4)} × ${String(m.concurrency).padStart(3)} in flight ` +
  `(${m.workers} workers): last told p50 ${m.lastTold.p50.toFixed(0)} ms, max ${m.lastTold.max.toFixed(0)} ms; kill call p50 ${m.killCall.p50.toFixed(0)} ms; ` +
  `${m.throttledPerKill} posts throttled (429, retried) per kill; ${m.failed} lost`;

/** Shard sizes and concurrency at 10,000, then the defaults at 100,000. */
export const runAwsFanOutModel = async (options: { runs?: number; log?: (line: string) => void } = {}) => {
  const log = options.log ?? console.log;
  const runs = options.runs ?? 5;
  const repeat = async (instances: number, shardSize: number, concurrency: number, times: number) => {
    const out: ModelRun[] = [];
    for (let i = 0; i < times; i++) out.push(await modelKill({ instances, shardSize, concurrency }));
    return summarizeRuns(out);
  };
  const grid: ModelSummary[] = [];
  for (const shardSize of [100, 200, 500, 1_000]) {
    for (const concurrency of [25, DEFAULT_PUSH_CONCURRENCY, 100]) {
      const summary = await repeat(10_000, shardSize, concurrency, runs);
      grid.push(summary);
      log(`AWS model: ${describeModel(summary)}`);
    }
  }
  const atScale = await repeat(100_000, DEFAULT_SHARD_SIZE, DEFAULT_PUSH_CONCURRENCY, Math.max(1, Math.ceil(runs / 2)));
  log(`AWS model: ${describeModel(atScale)}`);
  const chosen = grid.find((g) => g.shardSize === DEFAULT_SHARD_SIZE && g.concurrency === DEFAULT_PUSH_CONCURRENCY);
  return { assumptions: AWS_ASSUMPTIONS, grid, chosen, atScale };
};

if (require.main === module) {
  runAwsFanOutModel().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
