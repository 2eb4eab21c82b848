/**
 * Presence from the connection (docs/cost.md): while an instance holds its WebSocket it is
 * healthy in every region without a heartbeat through Lambda or the table; it checks the line
 * with protocol pings, sends a keep-alive (a MOCK route) only when the line is quiet, reports
 * metrics in batches (failures at once), and its presence ends with its connection.
 */
import type { HaltAgent } from '../../sdk/agent';
import { HaltClient } from '../../sdk/operator-client';
import { agentIn, startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('presence from the WebSocket connection (two local regions)', () => {
  let t: TestRuntime;
  let east: HaltClient;
  const agents: HaltAgent[] = [];

  beforeAll(async () => {
    t = await startTestRuntime({ regions: 2 });
    east = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const second = () => {
    const region = t.runtime.regions[1];
    if (!region) throw new Error('the runtime has no second region');
    return region;
  };

  const connectIn = async (region: 'first' | 'second', options: { agentId: string; key: string; instanceId: string; keepAliveIntervalMs?: number }) => {
    const { agent, errors } = agentIn(t, {
      regionIndex: region === 'first' ? 0 : 1,
      key: options.key,
      agentId: options.agentId,
      instanceId: options.instanceId,
      heartbeatIntervalMs: 100,
      failClosedAfterMs: 1_500,
      reportIntervalMs: 60_000,
      keepAliveIntervalMs: options.keepAliveIntervalMs ?? 60_000,
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    });
    agents.push(agent);
    await agent.start();
    await new Promise<void>((resolve) => agent.once('connected', () => resolve()));
    return { agent, errors };
  };

  const instance = async (agentId: string, instanceId: string) =>
    (await east.getAgent({ agentId })).instanceList.find((i) => i.instanceId === instanceId);

  it('shows a connected instance of the other region as connected and healthy, with no heartbeat through Lambda', async () => {
    // GIVEN an instance connected in the second region, checking its line every 100 ms
    const { agentKey } = await east.createAgent({ agentId: 'present' });
    const west = new HaltClient({ url: second().restUrl, key: t.operatorKey });
    await waitFor(async () => (await west.listAgents()).agents.some((a) => a.agentId === 'present'), { what: 'the agent (and its key) replicated' });
    const before = { ...second().websocket.messageCounts() };
    const { agent, errors } = await connectIn('second', { agentId: 'present', key: agentKey, instanceId: 'far-1', keepAliveIntervalMs: 300 });

    // WHEN three seconds pass (thirty heartbeat intervals, twice the fail-closed limit)
    await new Promise((r) => setTimeout(r, 3_000));

    // THEN the first region sees it connected and healthy (its presence replicated)
    const seen = await instance('present', 'far-1');
    expect(seen).toMatchObject({ region: 'local-2', connected: true, health: 'healthy' });
    // AND the line stayed in touch by protocol pings alone (failClosedAfterMs is 1.5 s)
    expect(agent.status).toBe('active');
    // AND only the sync on connect went through the heartbeat route; keep-alives went to the
    // MOCK route, and nothing was refused
    const after = second().websocket.messageCounts();
    const delta = (route: string) => (after[route] ?? 0) - (before[route] ?? 0);
    expect(delta('heartbeat')).toBe(1);
    expect(delta('ping')).toBeGreaterThanOrEqual(3);
    expect(delta('$default')).toBe(0);
    expect(errors).toEqual([]);
  });

  it('reports successes in a batch but failures within a second', async () => {
    // GIVEN a connected instance whose metrics are due only once a minute
    const { agentKey } = await east.createAgent({ agentId: 'reporter' });
    const { agent } = await connectIn('first', { agentId: 'reporter', key: agentKey, instanceId: 'r-1' });
    const today = async () => (await east.getUsage({ agentId: 'reporter', days: 1 })).days[0];

    // WHEN it records successes: they wait for the report interval
    agent.recordSuccess(5);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await today()).toMatchObject({ succeeded: 0, failed: 0 });

    // AND when it records a failure, the failure goes at once, with the successes held so far
    agent.recordFailure();
    await waitFor(async () => (await today())?.failed === 1, { what: 'the failure reported', ceilingMs: 5_000 });
    expect(await today()).toMatchObject({ succeeded: 5, failed: 1 });
  });

  it('ends presence with the connection, and a late $disconnect of an old connection does not end a newer one', async () => {
    // GIVEN an instance connected in the first region
    const { agentKey } = await east.createAgent({ agentId: 'leaver' });
    const { agent } = await connectIn('first', { agentId: 'leaver', key: agentKey, instanceId: 'l-1' });
    await waitFor(async () => (await instance('leaver', 'l-1'))?.connected === true, { what: 'presence' });

    // WHEN it closes
    const closedAt = Date.now();
    await agent.close();

    // THEN it is no longer connected; its last contact is the disconnect, so it ages from there
    await waitFor(async () => (await instance('leaver', 'l-1'))?.connected === false, { what: 'presence ended' });
    const gone = await instance('leaver', 'l-1');
    expect(Date.parse(gone?.lastHeartbeatAt ?? '')).toBeGreaterThanOrEqual(closedAt - 1_000);
    expect(gone?.health).toBe('healthy');

    // AND a reconnect whose $connect lands before the old connection's $disconnect stays present
    const repository = t.runtime.regions[0]?.deps.ctx.repository;
    if (!repository) throw new Error('no repository');
    const at = new Date().toISOString();
    await repository.connectInstance({ agentId: 'leaver', instanceId: 'l-1', region: 'local-1', connectionId: 'new-conn', at });
    expect(await repository.disconnectInstance({ agentId: 'leaver', instanceId: 'l-1', connectionId: 'old-conn', at })).toBe(false);
    expect(await instance('leaver', 'l-1')).toMatchObject({ connected: true });
    expect(await repository.disconnectInstance({ agentId: 'leaver', instanceId: 'l-1', connectionId: 'new-conn', at })).toBe(true);
    expect(await instance('leaver', 'l-1')).toMatchObject({ connected: false });
  });
});
