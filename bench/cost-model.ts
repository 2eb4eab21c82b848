/**
 * What Halt's control plane costs per month in AWS for N agent instances at the default
 * settings, from the same parameters the code uses: presence from the WebSocket connection
 * (API Gateway's two-hour connection limit sets how often an instance reconnects), the SDK's
 * keep-alive interval, its heartbeat interval (for instances without a WebSocket) and its
 * metrics report interval, and what each of those costs in requests (counted from the
 * handlers, named beside each figure).
 *
 * Workload traffic (intents, checkpoints, metrics reports) is priced per million on lines of
 * its own: it grows with what the agents do, not with how many are under Halt's control.
 *
 * Prices: us-east-1, on-demand, as published on the AWS pricing pages named beside each one
 * (checked 2026-11; re-check before relying on them).
 *
 *   npm run cost-model
 */
import { WEBSOCKET_CONNECTION_LIMIT_MS } from '../lambdas/domain/agent-state';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_REPORT_INTERVAL_MS } from '../sdk/agent';
import { KEEPALIVE_INTERVAL_MS } from '../sdk/protocol/messages';
import { DEFAULT_CACHE_TTL_MS, DEFAULT_DIRECT_REPORT_INTERVAL_MS } from '../sdk/middleware';

export const PRICES = {
  /** aws.amazon.com/api-gateway/pricing — WebSocket: messages (32 KB units), first 1 billion. */
  websocketMessagePerMillion: 1.0,
  /** aws.amazon.com/api-gateway/pricing — WebSocket connection minutes. */
  websocketConnectionMinutePerMillion: 0.25,
  /** aws.amazon.com/api-gateway/pricing — REST API requests, first 333 million. */
  restRequestPerMillion: 3.5,
  /** aws.amazon.com/lambda/pricing — requests. */
  lambdaRequestPerMillion: 0.2,
  /** aws.amazon.com/lambda/pricing — Arm duration, per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  /** aws.amazon.com/dynamodb/pricing/on-demand — write request units (per million). */
  dynamoWritePerMillion: 0.625,
  /** aws.amazon.com/dynamodb/pricing/on-demand — read request units (per million). */
  dynamoReadPerMillion: 0.125,
  /** aws.amazon.com/dynamodb/pricing/on-demand — replicated write request units (per million, per replica). */
  dynamoReplicatedWritePerMillion: 0.625,
  /** aws.amazon.com/eventbridge/pricing — custom events (per million). */
  eventBridgePerMillion: 1.0,
  /** aws.amazon.com/cloudwatch/pricing — log ingestion per GB. */
  logsIngestPerGb: 0.5,
} as const;

/** What one unit of work costs in requests. */
export interface Work {
  readonly websocketMessages?: number;
  readonly restRequests?: number;
  readonly lambdaInvocations?: number;
  /** Read request units (a strongly consistent read of a small item is one). */
  readonly dynamoReads?: number;
  /** Writes to the regional connections table. */
  readonly regionalWrites?: number;
  /** Writes to the global state table (each replicated to every other region). */
  readonly globalTableWrites?: number;
}

/** Lambda runs ~20 ms at 256 MB for these handlers (measured order of magnitude locally; billed per ms). */
const LAMBDA_MS = 20;
const LAMBDA_GB = 0.25;
/** Lambda's START/END/REPORT lines per invocation (our handlers log only warnings and errors). */
const LOG_BYTES_PER_INVOCATION = 350;

/**
 * One WebSocket connection, from `$connect` to `$disconnect` (an instance makes one every two
 * hours, when API Gateway closes the last):
 * - the `$connect` authorizer (lambdas/websocket/socket-authorizer.ts): key and agent reads;
 * - `$connect` (lambdas/websocket/connect.ts): three connection items (by id, by agent or as a
 *   watcher, by key: a revoked key closes what it opened), the presence write;
 * - the SDK's sync on open, a `heartbeat` message and its answer (lambdas/websocket/heartbeat.ts):
 *   connection and agent reads, no write (the instance is present);
 * - `$disconnect` (lambdas/websocket/disconnect.ts): connection read, three deletes, presence cleared.
 */
export const PER_CONNECTION: Work = {
  lambdaInvocations: 4,
  websocketMessages: 2,
  dynamoReads: 5,
  regionalWrites: 6,
  globalTableWrites: 2,
};

/** The keep-alive, `{"action":"ping"}` to a MOCK route: one message, nothing behind it. */
export const PER_KEEPALIVE: Work = { websocketMessages: 1 };

/**
 * A metrics report over the WebSocket (lambdas/websocket/heartbeat.ts with metrics): message
 * and answer, connection and agent reads, the day's usage counter (no hour counter without
 * intents).
 */
export const PER_REPORT: Work = { websocketMessages: 2, lambdaInvocations: 1, dynamoReads: 2, globalTableWrites: 1 };

/**
 * A REST heartbeat, for an instance without a WebSocket (lambdas/agents/heartbeat.ts): the
 * request, the authorizer and the handler (key, agent reads), the instance write.
 */
export const PER_REST_HEARTBEAT: Work = { restRequests: 1, lambdaInvocations: 2, dynamoReads: 3, globalTableWrites: 1 };

/**
 * An intent through the gateway (lambdas/domain/gateway.ts): the request, authorizer and
 * handler, key/agent/usage reads and the fleet's killed actions (read strongly consistent with
 * the agent), the day and hour counters. An intent held for approval adds a write-region
 * transaction (three items) when it is asked for, decided and used; not counted here.
 */
export const PER_INTENT: Work = { restRequests: 1, lambdaInvocations: 2, dynamoReads: 5, globalTableWrites: 2 };

/**
 * A Lambda-hosted agent's status read through the REST API (sdk/middleware.ts today): a
 * heartbeat per `cacheTtlMs` while the container is busy, carrying its counts, so on top of a
 * REST heartbeat's work the day's usage counter is written (lambdas/domain/heartbeat.ts).
 */
export const PER_MIDDLEWARE_REST_READ: Work = { ...PER_REST_HEARTBEAT, globalTableWrites: (PER_REST_HEARTBEAT.globalTableWrites ?? 0) + 1 };

/**
 * What one Lambda container running an agent's handler all month costs Halt when its middleware
 * reads the status over REST every `cacheTtlMs` (the default 1 s: 2.6 million reads a month).
 */
export const lambdaHostedRestPerBusyContainerMonthUsd = (options: { cacheTtlMs?: number; regions?: number } = {}): number =>
  priceWork(PER_MIDDLEWARE_REST_READ, MS_PER_MONTH / (options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS), options.regions ?? 2).reduce((sum, l) => sum + l.monthlyUsd, 0);

/**
 * A direct status read (sdk/direct-status.ts): one eventually consistent Query of the agent's
 * partition's `AGENT…` items in the function's regional replica. A Query is billed on the size
 * of what it reads, rounded up to 4 KB, halved when eventually consistent: the agent item and
 * its (rare) stop markers are well under 4 KB, so half a read unit. No API Gateway, no Lambda
 * of Halt's.
 */
export const PER_DIRECT_READ: Work = { dynamoReads: 0.5 };

/**
 * What one Lambda container running an agent's handler all month costs Halt in direct mode: a
 * direct read every `cacheTtlMs`, and a REST heartbeat carrying its counts (registration,
 * presence, usage) every `reportIntervalMs`: the same work as a REST status read.
 */
export const lambdaHostedPerBusyContainerMonthUsd = (options: { cacheTtlMs?: number; reportIntervalMs?: number; regions?: number } = {}): number => {
  const regions = options.regions ?? 2;
  const reads = MS_PER_MONTH / (options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS);
  const reports = MS_PER_MONTH / (options.reportIntervalMs ?? DEFAULT_DIRECT_REPORT_INTERVAL_MS);
  return total([...priceWork(PER_DIRECT_READ, reads, regions), ...priceWork(PER_MIDDLEWARE_REST_READ, reports, regions)]);
};

/**
 * Beside Halt's bill, the agent's own function runs longer while a status read is awaited
 * (once per `cacheTtlMs`; cached invocations wait for nothing): `readMs` per read at the
 * function's memory. Typical in-region round trips (a DynamoDB query: single-digit ms; API
 * Gateway, the authorizer and the heartbeat route: tens of ms) as defaults; measure yours with
 * `npm run bench` (middleware figures) and pass them.
 */
export const lambdaHostedAddedDurationPerBusyContainerMonthUsd = (options: { readMs: number; memoryMb?: number; cacheTtlMs?: number }): number =>
  (MS_PER_MONTH / (options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS)) * (options.readMs / 1000) * ((options.memoryMb ?? 512) / 1024) * PRICES.lambdaArmGbSecond;

/** The typical in-region wait of one status read, per mode (see above). */
export const TYPICAL_READ_MS = { direct: 5, rest: 40 } as const;

export interface CostLine {
  item: string;
  monthlyUsd: number;
}

export interface CostEstimate {
  instances: number;
  regions: number;
  /** How the instances stay in touch. */
  presence: 'websocket' | 'rest';
  /** Share of the instances that report metrics every report interval, all month. */
  reportingShare: number;
  lines: CostLine[];
  totalUsd: number;
  perThousandInstancesUsd: number;
}

const SECONDS_PER_MONTH = 30 * 86_400;
const MS_PER_MONTH = SECONDS_PER_MONTH * 1000;
const M = 1_000_000;

/** The monthly cost of `count` units of `work`, broken into lines by AWS service. */
export const priceWork = (work: Work, count: number, regions: number): CostLine[] => {
  const invocations = count * (work.lambdaInvocations ?? 0);
  const global = count * (work.globalTableWrites ?? 0);
  return [
    { item: 'WebSocket messages', monthlyUsd: ((count * (work.websocketMessages ?? 0)) / M) * PRICES.websocketMessagePerMillion },
    { item: 'REST API requests', monthlyUsd: ((count * (work.restRequests ?? 0)) / M) * PRICES.restRequestPerMillion },
    { item: 'Lambda requests', monthlyUsd: (invocations / M) * PRICES.lambdaRequestPerMillion },
    { item: 'Lambda duration (arm64)', monthlyUsd: invocations * (LAMBDA_MS / 1000) * LAMBDA_GB * PRICES.lambdaArmGbSecond },
    { item: 'DynamoDB reads', monthlyUsd: ((count * (work.dynamoReads ?? 0)) / M) * PRICES.dynamoReadPerMillion },
    { item: 'DynamoDB writes', monthlyUsd: ((global + count * (work.regionalWrites ?? 0)) / M) * PRICES.dynamoWritePerMillion },
    { item: 'DynamoDB replicated writes', monthlyUsd: ((global * (regions - 1)) / M) * PRICES.dynamoReplicatedWritePerMillion },
    { item: 'CloudWatch Logs ingestion', monthlyUsd: ((invocations * LOG_BYTES_PER_INVOCATION) / 1e9) * PRICES.logsIngestPerGb },
  ];
};

/** Lines of the same item added together, in first-seen order, zero lines dropped. */
const mergeLines = (lines: readonly CostLine[]): CostLine[] => {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.item, (totals.get(line.item) ?? 0) + line.monthlyUsd);
  return [...totals].filter(([, usd]) => usd > 0).map(([item, monthlyUsd]) => ({ item, monthlyUsd }));
};

/**
 * Keep-alives per connection: the SDK sends one when it has sent nothing for the keep-alive
 * interval; the sync on open counts as sent, and reports (when due more often) reset the clock.
 */
export const keepAlivesPerConnection = (reportIntervalMs: number | undefined): number => {
  const quiet = reportIntervalMs === undefined ? WEBSOCKET_CONNECTION_LIMIT_MS : Math.min(reportIntervalMs, WEBSOCKET_CONNECTION_LIMIT_MS);
  const perQuietStretch = Math.ceil(quiet / KEEPALIVE_INTERVAL_MS) - 1;
  return perQuietStretch * (WEBSOCKET_CONNECTION_LIMIT_MS / quiet);
};

export const estimateMonthlyCost = (options: {
  instances: number;
  regions?: number;
  presence?: 'websocket' | 'rest';
  reportingShare?: number;
  heartbeatIntervalMs?: number;
  reportIntervalMs?: number;
}): CostEstimate => {
  const regions = options.regions ?? 2;
  const presence = options.presence ?? 'websocket';
  const reportingShare = options.reportingShare ?? 0;
  const n = options.instances;
  const lines: CostLine[] = [];
  if (presence === 'websocket') {
    const connections = (n * MS_PER_MONTH) / WEBSOCKET_CONNECTION_LIMIT_MS;
    const reportEvery = options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
    const reports = (reportingShare * n * MS_PER_MONTH) / reportEvery;
    const keepAlives =
      (1 - reportingShare) * connections * keepAlivesPerConnection(undefined) + reportingShare * connections * keepAlivesPerConnection(reportEvery);
    lines.push(
      { item: 'WebSocket connection minutes', monthlyUsd: ((n * SECONDS_PER_MONTH) / 60 / M) * PRICES.websocketConnectionMinutePerMillion },
      ...priceWork(PER_CONNECTION, connections, regions),
      ...priceWork(PER_KEEPALIVE, keepAlives, regions),
      ...priceWork(PER_REPORT, reports, regions),
    );
  } else {
    const heartbeats = (n * MS_PER_MONTH) / (options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
    lines.push(...priceWork(PER_REST_HEARTBEAT, heartbeats, regions));
  }
  // The stream consumer sees agent items only (an event filter), so presence and reports never
  // invoke it; the sweeper runs once a minute in each region; events are per status change.
  lines.push({ item: 'Sweeper (once a minute per region)', monthlyUsd: ((43_200 * regions) / M) * PRICES.lambdaRequestPerMillion });
  const merged = mergeLines(lines);
  const totalUsd = merged.reduce((sum, l) => sum + l.monthlyUsd, 0);
  return { instances: n, regions, presence, reportingShare, lines: merged, totalUsd, perThousandInstancesUsd: (totalUsd / n) * 1000 };
};

const total = (lines: readonly CostLine[]): number => lines.reduce((sum, l) => sum + l.monthlyUsd, 0);

/** The workload's own traffic: per million intents through the gateway. */
export const perMillionIntentsUsd = (regions = 2): number => total(priceWork(PER_INTENT, M, regions));

/** The workload's own traffic: per million metrics reports over the WebSocket. */
export const perMillionReportsUsd = (regions = 2): number => total(priceWork(PER_REPORT, M, regions));

/** The figures `npm run cost-model -- --json` prints, for scripts and the docs. */
export const costFigures = () => ({
  regions: 2,
  perThousandConnectedInstancesUsd: estimateMonthlyCost({ instances: 1_000 }).perThousandInstancesUsd,
  perThousandRestHeartbeatInstancesUsd: estimateMonthlyCost({ instances: 1_000, presence: 'rest' }).perThousandInstancesUsd,
  perMillionIntentsUsd: perMillionIntentsUsd(),
  perMillionReportsUsd: perMillionReportsUsd(),
  /** A busy Lambda container whose middleware reads the status over REST at the default cache. */
  lambdaHostedRestPerBusyContainerMonthUsd: lambdaHostedRestPerBusyContainerMonthUsd(),
  /** The same container in direct mode: a replica read per cache period, counts reported every minute. */
  lambdaHostedPerBusyContainerMonthUsd: lambdaHostedPerBusyContainerMonthUsd(),
  lambdaHostedCacheTtlMs: DEFAULT_CACHE_TTL_MS,
  lambdaHostedReportIntervalMs: DEFAULT_DIRECT_REPORT_INTERVAL_MS,
  /** The agent function's own added duration at 512 MB arm64 (typical waits: direct 5 ms, REST 40 ms a read). */
  lambdaHostedAddedDurationMonthUsd: {
    direct: lambdaHostedAddedDurationPerBusyContainerMonthUsd({ readMs: TYPICAL_READ_MS.direct }),
    rest: lambdaHostedAddedDurationPerBusyContainerMonthUsd({ readMs: TYPICAL_READ_MS.rest }),
  },
});

if (require.main === module && process.argv.includes('--json')) {
  console.log(JSON.stringify(costFigures(), null, 2));
} else if (require.main === module) {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  for (const instances of [10, 1_000, 10_000]) {
    const estimate = estimateMonthlyCost({ instances });
    console.log(`\n${instances.toLocaleString()} connected instances, ${estimate.regions} regions, defaults:`);
    for (const line of estimate.lines) console.log(`  ${line.item.padEnd(40)} ${usd(line.monthlyUsd)}`);
    console.log(`  ${'total'.padEnd(40)} ${usd(estimate.totalUsd)} a month (${usd(estimate.perThousandInstancesUsd)} per 1,000 instances)`);
  }
  const busy = estimateMonthlyCost({ instances: 1_000, reportingShare: 1 });
  const rest = estimateMonthlyCost({ instances: 1_000, presence: 'rest' });
  console.log(`\nworkload: ${usd(perMillionIntentsUsd())} per million intents, ${usd(perMillionReportsUsd())} per million metrics reports (2 regions)`);
  console.log(`1,000 instances all reporting metrics every ${DEFAULT_REPORT_INTERVAL_MS / 60_000} min, all month: ${usd(busy.totalUsd)} a month`);
  console.log(`1,000 instances without a WebSocket (REST heartbeat every ${DEFAULT_HEARTBEAT_INTERVAL_MS / 1000} s): ${usd(rest.totalUsd)} a month`);
  console.log(`a busy Lambda container, middleware reading the status over REST every ${DEFAULT_CACHE_TTL_MS / 1000} s: ${usd(lambdaHostedRestPerBusyContainerMonthUsd())} a month`);
  console.log(
    `the same in direct mode (replica read every ${DEFAULT_CACHE_TTL_MS / 1000} s, counts reported every ${DEFAULT_DIRECT_REPORT_INTERVAL_MS / 60_000} min): ` +
      `${usd(lambdaHostedPerBusyContainerMonthUsd())} a month (${(lambdaHostedRestPerBusyContainerMonthUsd() / lambdaHostedPerBusyContainerMonthUsd()).toFixed(0)}x less)`,
  );
  const added = costFigures().lambdaHostedAddedDurationMonthUsd;
  console.log(`  plus the agent function's own wait for the reads at 512 MB: direct ${usd(added.direct)}, REST ${usd(added.rest)} a month`);
}
