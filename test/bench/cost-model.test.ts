import { estimateMonthlyCost, PER_HEARTBEAT, PRICES } from '../../bench/cost-model';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../sdk/agent';

describe('cost model', () => {
  it('prices the SDK default heartbeat interval', () => {
    expect(estimateMonthlyCost({ instances: 1 }).heartbeatIntervalMs).toBe(DEFAULT_HEARTBEAT_INTERVAL_MS);
  });

  it('counts one heartbeat every interval for every instance, all month', () => {
    const estimate = estimateMonthlyCost({ instances: 1_000, heartbeatIntervalMs: 30_000, regions: 2 });
    const heartbeats = (1_000 * 30 * 86_400) / 30;
    const messages = estimate.lines.find((l) => l.item.startsWith('WebSocket messages'));
    expect(messages?.monthlyUsd).toBeCloseTo(((heartbeats * PER_HEARTBEAT.websocketMessages) / 1e6) * PRICES.websocketMessagePerMillion, 6);
    expect(estimate.totalUsd).toBeCloseTo(estimate.lines.reduce((s, l) => s + l.monthlyUsd, 0), 6);
  });

  it('grows with instances and regions, and shrinks with a longer heartbeat', () => {
    const base = estimateMonthlyCost({ instances: 1_000 });
    expect(estimateMonthlyCost({ instances: 10_000 }).totalUsd).toBeGreaterThan(base.totalUsd * 9);
    expect(estimateMonthlyCost({ instances: 1_000, regions: 3 }).totalUsd).toBeGreaterThan(base.totalUsd);
    expect(estimateMonthlyCost({ instances: 1_000, heartbeatIntervalMs: 300_000 }).totalUsd).toBeLessThan(base.totalUsd / 5);
  });
});
