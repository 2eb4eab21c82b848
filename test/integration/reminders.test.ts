/**
 * Told until it listens (issue 14): a kill whose pushes all fail (the management API answering
 * 500 for 20 s) is pushed again every 15 s from the reminders queue, so the instance learns it
 * within 15 s of the API recovering; an instance that acknowledges ends the reminders. A push
 * that races an instance's `$connect` (410) does not forget its connection.
 */
import { HaltAgent } from '../../sdk/agent';
import { useTestRuntime, waitFor } from '../support/local-runtime';

describe('stop reminders (local runtime)', () => {
  const runtime = useTestRuntime({ warm: true, onError: () => undefined });
  const agents: HaltAgent[] = [];

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
  });

  it('tells an instance a kill it missed while pushes failed for 20 s, within 15 s of them working again', async () => {
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
    // THEN a reminder is waiting, and the instance has heard nothing for 20 s
    expect(region.reminders.pending()).toBe(1);
    await new Promise((r) => setTimeout(r, 20_000));
    expect(killedAt).toBeUndefined();
    const failed = region.websocket.failManagement(undefined);
    expect(failed).toBeGreaterThanOrEqual(2); // the kill's own push and the safety net's, then the first reminder's
    const recoveredAt = Date.now();

    // WHEN pushes work again, THEN the next reminder tells it (at most 15 s later)
    await waitFor(() => killedAt, { what: 'the instance told by a reminder', ceilingMs: 17_000, intervalMs: 200 });
    expect((killedAt as number) - recoveredAt).toBeLessThanOrEqual(15_500);
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
