/**
 * Two local regions with replication between their engines: a kill in local-1 reaches an
 * instance connected to local-2 straight away (posted to local-2's management API, not after
 * replication), local-2's gateway refuses the agent once the change has arrived, and each region holds exactly one audit event per change (and the bus got one).
 */
import { readFileSync } from 'node:fs';
import { HaltClient } from '../../sdk/operator-client';
import { agentIn, startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('two regions (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime({ regions: 2 });
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const region = (i: number) => {
    const r = t.runtime.regions[i];
    if (!r) throw new Error(`no region ${i}`);
    return r;
  };

  it('replicates keys, so the operator key works in both regions', async () => {
    const second = new HaltClient({ url: region(1).restUrl, key: t.operatorKey });
    await waitFor(async () => (await second.listAgents()).agents !== undefined, { what: 'operator key in local-2' });
  });

  it('stops an instance connected to local-2 with a kill made in local-1, exactly once in each audit trail', async () => {
    const first = new HaltClient({ url: region(0).restUrl, key: t.operatorKey });
    const second = new HaltClient({ url: region(1).restUrl, key: t.operatorKey });
    const { agentKey } = await first.createAgent({ agentId: 'global-mailer' });

    // GIVEN an instance connected to local-2, once the agent has reached that region
    // (the agent item and its key are separate items: wait until the key works there too)
    const asAgentThere = new HaltClient({ url: region(1).restUrl, key: agentKey });
    await waitFor(async () => (await asAgentThere.getAgent({ agentId: 'global-mailer' }).catch(() => undefined))?.agentId, {
      what: 'the agent and its key in local-2',
    });
    const { agent } = agentIn(t, { regionIndex: 1, region: 'local-2', key: agentKey, agentId: 'global-mailer', instanceId: 'eu-1' });
    await agent.start();
    try {
      // (and known in local-1, where the kill is made: the presence has replicated)
      await waitFor(async () => (await first.getAgent({ agentId: 'global-mailer' })).instanceList.some((i) => i.connected && i.region === 'local-2'), {
        what: 'connected in local-2',
      });
      expect((await agent.intent('email.send')).intentId).toMatch(/^int_/);
      const killed = new Promise<number>((resolve) => agent.once('kill', () => resolve(performance.now())));

      // WHEN local-1 takes the kill while replication to local-2 lags by 8 s
      t.runtime.replicator?.setDelay(8_000);
      const startedAt = performance.now();
      let result;
      try {
        result = await first.kill({ agentId: 'global-mailer', reason: 'stop everywhere' });
      } finally {
        t.runtime.replicator?.setDelay(0);
      }
      // THEN local-1 posted straight to the instance's connection in local-2
      expect(result).toMatchObject({ changed: true, pushed: 1 });
      // AND the instance stopped long before the change could replicate there
      expect((await killed) - startedAt).toBeLessThan(4_000);
      expect(agent.signal.aborted).toBe(true);
      // AND the answer says local-2 had not confirmed it within the wait (3 s; the lag is 8)
      expect(result.enforcedIn).toEqual(['local-1']);
      expect(result.pendingIn).toEqual(['local-2']);
      await waitFor(async () => (await second.getAgent({ agentId: 'global-mailer' })).status === 'killed', { what: 'the kill replicated to local-2' });

      // AND local-2's gateway refuses the agent
      await expect(agent.intent('email.send')).rejects.toMatchObject({ code: 'agent_killed' });

      // AND each region holds exactly one killed event, the same one
      await t.runtime.streamIdle();
      const audit = async (client: HaltClient) => (await client.listAudit({ agentId: 'global-mailer' })).events;
      const [a1, a2] = await Promise.all([audit(first), audit(second)]);
      expect(a1.filter((e) => e.type === 'killed')).toHaveLength(1);
      expect(a2.filter((e) => e.type === 'killed')).toHaveLength(1);
      expect(a2.map((e) => e.hash)).toEqual(a1.map((e) => e.hash));
      expect(a1.find((e) => e.type === 'killed')).toMatchObject({ region: 'local-1', actor: 'operator', reason: 'stop everywhere' });

      // AND the bus got it once, not once per region
      const events = readFileSync(t.runtime.eventsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(events.filter((e) => e.detailType === 'AgentKilled' && e.detail.agentId === 'global-mailer')).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });

  it('settles concurrent writes to one item on the same value in both regions', async () => {
    const first = new HaltClient({ url: region(0).restUrl, key: t.operatorKey });
    const second = new HaltClient({ url: region(1).restUrl, key: t.operatorKey });
    await first.createAgent({ agentId: 'contested' });
    await waitFor(async () => (await second.getAgent({ agentId: 'contested' }).catch(() => undefined))?.agentId, { what: 'replicated' });
    // both regions change the same agent at once, each from its own replica
    await Promise.all([
      first.kill({ agentId: 'contested', reason: 'from local-1' }),
      second.setPolicy({ agentId: 'contested', policy: { failMode: 'open' } }),
    ]);
    await t.runtime.streamIdle();
    const [one, two] = await Promise.all([first.getAgent({ agentId: 'contested' }), second.getAgent({ agentId: 'contested' })]);
    expect(two.status).toBe(one.status);
    expect(two.statusReason).toBe(one.statusReason);
    expect(two.version).toBe(one.version);
    expect(two.policy).toEqual(one.policy);
  });

  it('revokes a key in the other region within about a second', async () => {
    const first = new HaltClient({ url: region(0).restUrl, key: t.operatorKey });
    const created = await first.createKey({ name: 'short-lived', role: 'viewer' });
    const viewerInSecond = new HaltClient({ url: region(1).restUrl, key: created.key });
    await waitFor(async () => (await viewerInSecond.listAgents().then(() => true).catch(() => false)) || undefined, { what: 'key in local-2' });
    await first.revokeKey({ keyId: created.keyId });
    await waitFor(async () => (await viewerInSecond.listAgents().then(() => false).catch((e: { status?: number }) => e.status === 401)) || undefined, {
      what: 'revocation in local-2',
      intervalMs: 20,
    });
  });
});
