/**
 * What Halt's control plane costs per month in AWS for N agent instances at the default
 * settings, from the same parameters the code uses (heartbeat interval, the requests one
 * heartbeat makes). Workload traffic (intents, checkpoints) is priced per million on its own
 * line: it depends on the agent, not on Halt.
 *
 * Prices: us-east-1, on-demand, as published on the AWS pricing pages named beside each one
 * (checked 2026-11; re-check before relying on them).
 *
 *   npm run cost-model
 */
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../sdk/agent';

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

/** What one heartbeat over the open WebSocket costs the control plane (lambdas/websocket/heartbeat.ts). */
export const PER_HEARTBEAT = {
  /** The heartbeat message in, the answer out. */
  websocketMessages: 2,
  lambdaInvocations: 1,
  /** Measured order of magnitude locally; Lambda bills per ms. */
  lambdaMs: 20,
  lambdaMemoryGb: 0.25,
  /** Connection lookup, agent read (strongly consistent), usage read only with metrics: 2. */
  dynamoReads: 2,
  /** Instance item on the global table (replicated to every other region). */
  globalTableWrites: 1,
  /** The connections table is written at $connect and $disconnect only (its TTL outlives the connection). */
  regionalWrites: 0,
  /** Lambda's START/END/REPORT lines. */
  logBytes: 350,
} as const;

export interface CostLine {
  item: string;
  monthlyUsd: number;
}

export interface CostEstimate {
  instances: number;
  regions: number;
  heartbeatIntervalMs: number;
  lines: CostLine[];
  totalUsd: number;
  perThousandInstancesUsd: number;
}

const SECONDS_PER_MONTH = 30 * 86_400;

export const estimateMonthlyCost = (options: { instances: number; regions?: number; heartbeatIntervalMs?: number }): CostEstimate => {
  const regions = options.regions ?? 2;
  const interval = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const heartbeats = (options.instances * SECONDS_PER_MONTH * 1000) / interval;
  const connectionMinutes = (options.instances * SECONDS_PER_MONTH) / 60;
  const m = 1_000_000;
  const lines: CostLine[] = [
    { item: 'WebSocket messages (heartbeat + answer)', monthlyUsd: ((heartbeats * PER_HEARTBEAT.websocketMessages) / m) * PRICES.websocketMessagePerMillion },
    { item: 'WebSocket connection minutes', monthlyUsd: (connectionMinutes / m) * PRICES.websocketConnectionMinutePerMillion },
    { item: 'Lambda requests', monthlyUsd: ((heartbeats * PER_HEARTBEAT.lambdaInvocations) / m) * PRICES.lambdaRequestPerMillion },
    {
      item: 'Lambda duration (arm64)',
      monthlyUsd: heartbeats * (PER_HEARTBEAT.lambdaMs / 1000) * PER_HEARTBEAT.lambdaMemoryGb * PRICES.lambdaArmGbSecond,
    },
    { item: 'DynamoDB reads', monthlyUsd: ((heartbeats * PER_HEARTBEAT.dynamoReads) / m) * PRICES.dynamoReadPerMillion },
    {
      item: 'DynamoDB writes',
      monthlyUsd: ((heartbeats * (PER_HEARTBEAT.globalTableWrites + PER_HEARTBEAT.regionalWrites)) / m) * PRICES.dynamoWritePerMillion,
    },
    {
      item: `DynamoDB replicated writes (${regions - 1} other region${regions - 1 === 1 ? '' : 's'})`,
      monthlyUsd: ((heartbeats * PER_HEARTBEAT.globalTableWrites * (regions - 1)) / m) * PRICES.dynamoReplicatedWritePerMillion,
    },
    { item: 'CloudWatch Logs ingestion', monthlyUsd: ((heartbeats * PER_HEARTBEAT.logBytes) / 1e9) * PRICES.logsIngestPerGb },
    // The stream consumer sees agent items only (an event filter), the sweeper runs once a
    // minute and events are per change: cents a month at any size.
    { item: 'Stream consumer, sweeper, EventBridge (per change)', monthlyUsd: (43_200 / m) * PRICES.lambdaRequestPerMillion * regions },
  ];
  const totalUsd = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
  return { instances: options.instances, regions, heartbeatIntervalMs: interval, lines, totalUsd, perThousandInstancesUsd: (totalUsd / options.instances) * 1000 };
};

/** The workload's own traffic, per million intents through the gateway (REST + Lambda + DynamoDB). */
export const perMillionIntentsUsd = (regions = 2): number =>
  PRICES.restRequestPerMillion +
  PRICES.lambdaRequestPerMillion * 2 /* handler + authorizer */ +
  1_000_000 * 0.02 * 0.25 * PRICES.lambdaArmGbSecond * 2 +
  PRICES.dynamoReadPerMillion * 6 /* key, agent, usage queries */ +
  PRICES.dynamoWritePerMillion * 2 /* day and hour counters */ +
  PRICES.dynamoReplicatedWritePerMillion * 2 * (regions - 1);

if (require.main === module) {
  for (const instances of [10, 1_000, 10_000]) {
    const estimate = estimateMonthlyCost({ instances });
    console.log(`\n${instances.toLocaleString()} instances, ${estimate.regions} regions, heartbeat every ${estimate.heartbeatIntervalMs / 1000} s:`);
    for (const line of estimate.lines) console.log(`  ${line.item.padEnd(52)} $${line.monthlyUsd.toFixed(2)}`);
    console.log(`  ${'total'.padEnd(52)} $${estimate.totalUsd.toFixed(2)} a month ($${estimate.perThousandInstancesUsd.toFixed(2)} per 1,000 instances)`);
  }
  console.log(`\nworkload: $${perMillionIntentsUsd().toFixed(2)} per million intents through the gateway (2 regions)`);
  for (const interval of [30_000, 120_000, 300_000]) {
    const e = estimateMonthlyCost({ instances: 1_000, heartbeatIntervalMs: interval });
    console.log(`1,000 instances with a ${interval / 1000} s heartbeat: $${e.totalUsd.toFixed(2)} a month`);
  }
}
