/**
 * The REST stage's throttle, as API Gateway applies it: each method has its own bucket. A
 * fleet of agent containers holding their routes at the throttle gets 429s; the operator's
 * kills, another method, all go through. (The stack's limits, 200/s and 400 in a burst per
 * method, scaled down here so one machine can reach them.)
 */
import { useTestRuntime } from '../support/local-runtime';

const THROTTLE = { rateLimit: 20, burstLimit: 40 };

describe('REST throttling (local runtime)', () => {
  const t = useTestRuntime({ restThrottle: THROTTLE });

  it('throttles agents at their routes while 20 kills go through without a 429', async () => {
    // GIVEN an agent whose 100 containers heartbeat ten times a second each (1,000 a second
    // offered to a method that admits 20), and 20 agents to kill
    const { agentKey } = (await t().api('POST', '/v1/agents', { body: { agentId: 'busy' } })).body as { agentKey: string };
    const targets = Array.from({ length: 20 }, (_, i) => `target-${i}`);
    for (const agentId of targets) expect((await t().api('POST', '/v1/agents', { body: { agentId } })).status).toBe(201);
    const statuses = new Map<number, number>();
    let holding = true;
    const container = async (n: number) => {
      while (holding) {
        const next = Date.now() + 100;
        const res = await t().api('POST', '/v1/agents/busy/heartbeat', { key: agentKey, body: { instanceId: `c${n}` } });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
      }
    };
    const fleet = Promise.all(Array.from({ length: 100 }, (_, n) => container(n)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // WHEN an operator kills 20 agents, one after another, while the fleet holds its route
    const kills = [];
    for (const agentId of targets) kills.push((await t().api('POST', `/v1/agents/${agentId}/kill`, { body: { reason: 'incident' } })).status);
    await new Promise((resolve) => setTimeout(resolve, 500));
    holding = false;
    await fleet;
    // THEN the agents' route was throttled, and every kill went through
    expect(statuses.get(429) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(kills).toEqual(targets.map(() => 200));
  });

  it('answers 429 with the API\'s error body once a method\'s burst is spent, and refills at its rate', async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a full bucket
    const started = performance.now();
    // Health: a method as cheap as any (one read), so what is measured is the throttle, not the engine.
    const burst = await Promise.all(Array.from({ length: 100 }, () => t().api('GET', '/v1/health', { key: null })));
    const seconds = (performance.now() - started) / 1000;
    const throttled = burst.filter((r) => r.status === 429);
    const served = burst.filter((r) => r.status === 200);
    // at most the burst, plus what the rate refilled while they came in
    expect(served.length).toBeLessThanOrEqual(THROTTLE.burstLimit + Math.ceil(seconds * THROTTLE.rateLimit) + 1);
    expect(served.length + throttled.length).toBe(100);
    expect(throttled[0]?.body).toEqual({ error: { code: 'throttled', message: 'too many requests; retry with backoff' } });
    await new Promise((resolve) => setTimeout(resolve, 200)); // 4 tokens back at 20 a second
    expect((await t().api('GET', '/v1/health', { key: null })).status).toBe(200);
  });
});
