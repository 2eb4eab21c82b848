/**
 * Told until it listens (issue 14): a kill whose pushes all fail (the management API answering
 * 500) is pushed again from the reminders queue every `remindEverySeconds` (15 in the stack,
 * 3 here so the test waits seconds, not a minute: the stack's 15 s is checked in the config,
 * domain and CDK tests), so the instance learns it within one period of the API recovering; an
 * instance that acknowledges ends the reminders. A push that races an instance's `$connect`
 * (410) does not forget its connection.
 */
import { HaltAgent } from '../../sdk/agent';
import { useTestRuntime, waitFor } from '../support/local-runtime';

/** Seconds between reminders in this runtime. */
const EVERY_S = 3;

describe('stop reminders (local runtime)', () => {
  const runtime = useTestRuntime({ warm: true, remindEverySeconds: EVERY_S, onError: () => undefined });
  const agents: HaltAgent[] = [];

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
  });

  it('tells an instance a kill it missed while pushes failed for two reminder periods, within one period of them working again', async () => {
    const t = runtime();
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const { agentKey } = (await t.api('POST', '/v1/agents', { body: { agentId: 'deaf' } })).body as { agentKey: string };
    // Heartbeats far apart: the only way to learn the kill is a push.
    const agent = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: agentKey, agentId: 'deaf', instanceId: 'i-1', heartbeatIntervalMs: 600_000 });
    agent.on('error', () => undefined);
    agents.push(agent);
    let killedAt: number | undefined;
    agent.on('kill', () => {
      killedAt = Date.now();
    });
    await agent.start();
    await waitFor(async () => (await t.api('GET', '/v1/agents/deaf')).body.instanceList.some((i: { connected: boolean }) => i.connected), { what: 'connected' });

    // GIVEN the management API failing every push
    region.websocket.failManagement(500);
    // WHEN the agent is killed
    const killed = await t.api('POST', '/v1/agents/deaf/kill', { body: { reason: 'pushes are failing' } });
    expect(killed.status).toBe(200);
    await t.runtime.streamIdle();
    // THEN a reminder is waiting, and the instance hears nothing for two periods
    expect(region.reminders.pending()).toBe(1);
    await new Promise((r) => setTimeout(r, 2 * EVERY_S * 1000 + 500));
    expect(killedAt).toBeUndefined();
    const failed = region.websocket.failManagement(undefined);
    expect(failed).toBeGreaterThanOrEqual(3); // the kill's own push, the safety net's, and at least one reminder's
    const recoveredAt = Date.now();

    // WHEN pushes work again, THEN the next reminder tells it (at most one period later)
    await waitFor(() => killedAt, { what: 'the instance told by a reminder', ceilingMs: EVERY_S * 1000 + 5_000, intervalMs: 100 });
    expect((killedAt as number) - recoveredAt).toBeLessThanOrEqual(EVERY_S * 1000 + 1_000);
    expect(agent.signal.aborted).toBe(true);

    // AND once it has acknowledged, the reminders end
    await waitFor(async () => (await t.api('GET', '/v1/agents/deaf')).body.instanceList.every((i: { acknowledgedVersion?: number }) => i.acknowledgedVersion === killed.body.version), {
      what: 'the acknowledgement',
    });
    await waitFor(() => region.reminders.pending() === 0 || undefined, { what: 'no reminder left', ceilingMs: 20_000, intervalMs: 250 });
  }, 90_000);

  it('keeps the connection of an instance whose $connect a kill raced (410), so the next change still reaches it', async () => {
    const t = runtime();
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const { agentKey } = (await t.api('POST', '/v1/agents', { body: { agentId: 'racer' } })).body as { agentKey: string };
    const agent = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: agentKey, agentId: 'racer', instanceId: 'i-1', heartbeatIntervalMs: 600_000 });
    agent.on('error', () => undefined);
    agents.push(agent);
    // GIVEN a slow $connect: its items are written, but the handshake is held for 3 s
    region.websocket.holdConnect(3_000);
    const started = agent.start();
    try {
      await waitFor(async () => (await t.api('GET', '/v1/agents/racer')).body.instanceList.some((i: { connected: boolean }) => i.connected), { what: 'the connection written' });
      // WHEN a kill is pushed to it while $connect is still running (API Gateway answers 410)
      const killed = await t.api('POST', '/v1/agents/racer/kill', { body: { reason: 'raced the connect' } });
      expect(killed.body).toMatchObject({ changed: true });
      expect(agent.signal.aborted).toBe(false);
    } finally {
      region.websocket.holdConnect(0);
    }
    await started;
    // THEN the instance still learns it (its sync on connect, or a reminder)
    await waitFor(() => agent.signal.aborted || undefined, { what: 'the instance stopped', ceilingMs: 20_000 });
    // AND its connection was not forgotten: a resume is pushed to it at once
    const resumed = new Promise<number>((resolve) => agent.once('resume', () => resolve(performance.now())));
    const resumeAt = performance.now();
    await t.api('POST', '/v1/agents/racer/resume', { body: { reason: 'fixed' } });
    // (a forgotten connection would never hear it: resumes have no reminders)
    expect((await resumed) - resumeAt).toBeLessThan(10_000);
  }, 60_000);
});
