import {
  costFigures,
  estimateMonthlyCost,
  lambdaHostedAddedDurationPerBusyContainerMonthUsd,
  lambdaHostedPerBusyContainerMonthUsd,
  lambdaHostedRestPerBusyContainerMonthUsd,
  PER_DIRECT_READ,
  PER_MIDDLEWARE_REST_READ,
  keepAlivesPerConnection,
  PER_CONNECTION,
  perMillionReportsUsd,
  priceWork,
  PRICES,
} from '../../bench/cost-model';
import { WEBSOCKET_CONNECTION_LIMIT_MS } from '../../lambdas/domain/agent-state';
import { DEFAULT_REPORT_INTERVAL_MS } from '../../sdk/agent';
import { KEEPALIVE_INTERVAL_MS } from '../../sdk/protocol/messages';

const line = (estimate: { lines: { item: string; monthlyUsd: number }[] }, item: string) =>
  estimate.lines.find((l) => l.item === item)?.monthlyUsd ?? 0;

describe('cost model', () => {
  it('meets the target of under $20 a month per 1,000 connected instances at the defaults', () => {
    expect(estimateMonthlyCost({ instances: 1_000 }).perThousandInstancesUsd).toBeLessThan(20);
  });

  it('bills every instance its connection minutes, a reconnect every two hours and a keep-alive every quiet 9 minutes', () => {
    const estimate = estimateMonthlyCost({ instances: 1_000, regions: 2 });
    const minutes = (1_000 * 30 * 86_400) / 60;
    expect(line(estimate, 'WebSocket connection minutes')).toBeCloseTo((minutes / 1e6) * PRICES.websocketConnectionMinutePerMillion, 6);
    // 13 keep-alives in a two-hour connection (at 9, 18 … 117 minutes), plus the sync and its answer
    expect(keepAlivesPerConnection(undefined)).toBe(Math.ceil(WEBSOCKET_CONNECTION_LIMIT_MS / KEEPALIVE_INTERVAL_MS) - 1);
    const connections = (1_000 * 30 * 86_400_000) / WEBSOCKET_CONNECTION_LIMIT_MS;
    const messages = connections * (keepAlivesPerConnection(undefined) + (PER_CONNECTION.websocketMessages ?? 0));
    expect(line(estimate, 'WebSocket messages')).toBeCloseTo((messages / 1e6) * PRICES.websocketMessagePerMillion, 6);
    expect(estimate.totalUsd).toBeCloseTo(estimate.lines.reduce((s, l) => s + l.monthlyUsd, 0), 6);
  });

  it('sends no keep-alive when reports keep the line busy', () => {
    expect(keepAlivesPerConnection(DEFAULT_REPORT_INTERVAL_MS)).toBe(0);
    expect(keepAlivesPerConnection(15 * 60_000)).toBe(8);
  });

  it('prices reports as workload on top, and replicated writes per extra region', () => {
    const quiet = estimateMonthlyCost({ instances: 1_000 });
    const busy = estimateMonthlyCost({ instances: 1_000, reportingShare: 1 });
    const reports = (1_000 * 30 * 86_400_000) / DEFAULT_REPORT_INTERVAL_MS;
    expect(busy.totalUsd).toBeGreaterThan(quiet.totalUsd + (reports / 1e6) * perMillionReportsUsd() * 0.7);
    const one = priceWork({ globalTableWrites: 1 }, 1e6, 1);
    const three = priceWork({ globalTableWrites: 1 }, 1e6, 3);
    expect(three.find((l) => l.item === 'DynamoDB replicated writes')?.monthlyUsd).toBeCloseTo(2 * PRICES.dynamoReplicatedWritePerMillion, 6);
    expect(one.find((l) => l.item === 'DynamoDB replicated writes')?.monthlyUsd).toBe(0);
  });

  it('prices a busy Lambda container whose middleware reads the status over REST: a heartbeat (and its counts) per cache period', () => {
    // 2,592,000 reads a month at the default 1 s, each a REST request, two invocations, three
    // reads, the instance and the day's counter written and replicated
    const reads = (30 * 86_400_000) / 1_000;
    const expected = priceWork(PER_MIDDLEWARE_REST_READ, reads, 2).reduce((sum, l) => sum + l.monthlyUsd, 0);
    expect(lambdaHostedRestPerBusyContainerMonthUsd()).toBeCloseTo(expected, 6);
    expect(PER_MIDDLEWARE_REST_READ).toMatchObject({ restRequests: 1, lambdaInvocations: 2, dynamoReads: 3, globalTableWrites: 2 });
    // the problem issue 15 solves: more per busy container than 1,000 connected instances cost
    expect(lambdaHostedRestPerBusyContainerMonthUsd()).toBeGreaterThan(15);
    // a longer cache costs proportionally less (and stops later)
    expect(lambdaHostedRestPerBusyContainerMonthUsd({ cacheTtlMs: 10_000 })).toBeCloseTo(lambdaHostedRestPerBusyContainerMonthUsd() / 10, 6);
    expect(costFigures()).toMatchObject({ lambdaHostedRestPerBusyContainerMonthUsd: lambdaHostedRestPerBusyContainerMonthUsd(), lambdaHostedCacheTtlMs: 1_000 });
  });

  it('prices the same container in direct mode: half a read unit per cache period, a REST report of its counts a minute', () => {
    const reads = (30 * 86_400_000) / 1_000;
    expect(PER_DIRECT_READ).toEqual({ dynamoReads: 0.5 });
    // the reads: 2,592,000 x 0.5 read units at $0.125 a million
    const readsUsd = (reads * 0.5 * PRICES.dynamoReadPerMillion) / 1_000_000;
    // the reports: one REST heartbeat (the same work as a REST status read) a minute, 43,200 a month
    const reportsUsd = lambdaHostedRestPerBusyContainerMonthUsd() / 60;
    expect(lambdaHostedPerBusyContainerMonthUsd()).toBeCloseTo(readsUsd + reportsUsd, 6);
    // the goal, at the defaults, from $18.81
    expect(lambdaHostedPerBusyContainerMonthUsd()).toBeLessThanOrEqual(0.5);
    expect(lambdaHostedRestPerBusyContainerMonthUsd() / lambdaHostedPerBusyContainerMonthUsd()).toBeGreaterThan(30);
    // reporting less often costs less; a longer cache only cuts the (already small) reads
    expect(lambdaHostedPerBusyContainerMonthUsd({ reportIntervalMs: 300_000 })).toBeCloseTo(readsUsd + reportsUsd / 5, 6);
    expect(lambdaHostedPerBusyContainerMonthUsd({ cacheTtlMs: 10_000 })).toBeCloseTo(readsUsd / 10 + reportsUsd, 6);
    expect(costFigures()).toMatchObject({ lambdaHostedPerBusyContainerMonthUsd: lambdaHostedPerBusyContainerMonthUsd(), lambdaHostedReportIntervalMs: 60_000 });
    // the agent's own function waits for each read: 2,592,000 x 5 ms at 0.5 GB, arm64
    expect(lambdaHostedAddedDurationPerBusyContainerMonthUsd({ readMs: 5 })).toBeCloseTo(reads * 0.005 * 0.5 * PRICES.lambdaArmGbSecond, 6);
  });

  it('shows why presence matters: a REST heartbeat every 30 s costs an order of magnitude more', () => {
    const rest = estimateMonthlyCost({ instances: 1_000, presence: 'rest' });
    expect(rest.totalUsd).toBeGreaterThan(10 * estimateMonthlyCost({ instances: 1_000 }).totalUsd);
    expect(estimateMonthlyCost({ instances: 10_000 }).totalUsd).toBeGreaterThan(estimateMonthlyCost({ instances: 1_000 }).totalUsd * 9);
  });
});
