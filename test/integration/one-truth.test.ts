/**
 * One truth per agent across two regions (issue 14): every agent-item write goes to the write
 * region (local-1), so a kill racing a pause or a policy change made in the other region is
 * never undone; a kill answers with the regions that enforce it, and after `pendingIn: []` the
 * other region's gateway refuses at once; with the write region's engine frozen (SIGSTOP), a
 * kill made in local-2 still answers, holds there, reaches its instances, and lands in the
 * history once the engine is back, with one audit event.
 */
import { HaltClient } from '../../sdk/operator-client';
import type { ControlOutcome } from '../../sdk/operator-client';
import { agentIn, startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('one truth per agent, two regions (local runtime)', () => {
  let t: TestRuntime;
  let first: HaltClient;
  let second: HaltClient;

  beforeAll(async () => {
    t = await startTestRuntime({ regions: 2 });
    first = new HaltClient({ url: regionAt(0).restUrl, key: t.operatorKey });
    second = new HaltClient({ url: regionAt(1).restUrl, key: t.operatorKey });
    await waitFor(async () => (await second.listAgents()).agents !== undefined, { what: 'the operator key in local-2' });
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const regionAt = (i: number) => {
    const r = t.runtime.regions[i];
    if (!r) throw new Error(`no region ${i}`);
    return r;
  };

  /** An agent created in local-1, and its key, usable in both regions. */
  const createEverywhere = async (agentId: string): Promise<string> => {
    const { agentKey } = await first.createAgent({ agentId });
    const there = new HaltClient({ url: regionAt(1).restUrl, key: agentKey });
    await waitFor(async () => (await there.getAgent({ agentId }).catch(() => undefined))?.agentId, { what: `${agentId} and its key in local-2` });
    return agentKey;
  };

  const auditOf = async (client: HaltClient, agentId: string) => (await client.listAudit({ agentId, limit: 200 })).events;

  it('answers a kill with the regions that enforce it, and local-2 refuses the agent from the moment the answer says so', async () => {
    const agentKey = await createEverywhere('truth-enforced');
    // WHEN local-1 kills it
    const result = (await first.kill({ agentId: 'truth-enforced', reason: 'enforced everywhere' }));
    // THEN both replicas hold it before the answer
    expect(result).toMatchObject({ status: 'killed', changed: true, enforcedIn: ['local-1', 'local-2'], pendingIn: [] });
    // AND local-2's gateway refuses at once: no waiting for replication after the answer
    const refused = await fetch(`${regionAt(1).restUrl}/agents/truth-enforced/intents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instanceId: 'eu-1', action: 'email.send' }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('agent_killed');

    // AND a resume made in local-2 is written in local-1 and confirmed in both
    const resumed = (await second.resume({ agentId: 'truth-enforced', reason: 'fixed' }));
    expect(resumed).toMatchObject({ status: 'active', version: result.version + 1, enforcedIn: ['local-1', 'local-2'], pendingIn: [] });
  });

  it('never loses a kill to a concurrent pause or policy change in the other region (20 rounds)', async () => {
    await createEverywhere('truth-race');
    for (let round = 0; round < 20; round++) {
      // GIVEN the agent active again in both regions
      if (round > 0) await first.resume({ agentId: 'truth-race', reason: `round ${round}` });
      // WHEN local-1 kills it while local-2 pauses it (even rounds) or changes its policy (odd)
      const other =
        round % 2 === 0
          ? second.pause({ agentId: 'truth-race', reason: `pause ${round}` }).catch((error: { code?: string }) => {
              // the kill came first: a killed agent is not paused
              if (error.code !== 'invalid_transition') throw error;
            })
          : second.setPolicy({ agentId: 'truth-race', policy: { actions: { deny: [`round-${round}.*`] } } });
      const [kill] = await Promise.all([first.kill({ agentId: 'truth-race', reason: `kill ${round}` }), other]);
      expect(kill).toMatchObject({ status: 'killed' });
      // THEN both regions end killed, at the same version (local-2 once the last change has replicated)
      const a1 = await first.getAgent({ agentId: 'truth-race' });
      expect(a1.status).toBe('killed');
      const a2 = await waitFor(async () => {
        const there = await second.getAgent({ agentId: 'truth-race' });
        return there.version >= a1.version && there;
      }, { what: `round ${round} replicated`, intervalMs: 25 });
      expect([a2.status, a2.version]).toEqual(['killed', a1.version]);
    }
    // AND the audit trail holds one event per version, identical in both regions, and verifies in both
    await t.runtime.streamIdle();
    const [e1, e2] = await Promise.all([auditOf(first, 'truth-race'), auditOf(second, 'truth-race')]);
    const versions = e1.map((e) => e.version).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    expect(e2.map((e) => e.hash)).toEqual(e1.map((e) => e.hash));
    expect(e1.filter((e) => e.type === 'killed')).toHaveLength(20);
    for (const client of [first, second]) expect(await client.verifyAudit({ agentId: 'truth-race' })).toMatchObject({ ok: true });
  });

  it('kills from local-2 while the write region\'s engine is frozen, and folds the kill into the history once it is back', async () => {
    const agentKey = await createEverywhere('truth-frozen');
    const { agent } = agentIn(t, { regionIndex: 1, region: 'local-2', key: agentKey, agentId: 'truth-frozen', instanceId: 'eu-1' });
    await agent.start();
    const engine = regionAt(0).engine;
    try {
      await waitFor(async () => (await second.getAgent({ agentId: 'truth-frozen' })).instanceList.some((i) => i.connected), { what: 'connected in local-2' });
      const before = await second.getAgent({ agentId: 'truth-frozen' });
      const killed = new Promise<void>((resolve) => agent.once('kill', () => resolve()));

      // GIVEN local-1's DynamoDB Local frozen
      process.kill(-engine.pid, 'SIGSTOP');
      let result: ControlOutcome;
      try {
        // WHEN local-2 takes a kill
        result = (await second.kill({ agentId: 'truth-frozen', reason: 'write region down' }));
        // THEN it answers: enforced in local-2, pending in local-1
        expect(result).toMatchObject({ status: 'killed', version: before.version + 1, changed: true, enforcedIn: ['local-2'], pendingIn: ['local-1'] });
        // AND the instance in local-2 is told, and local-2's gateway refuses the agent
        await killed;
        await expect(agent.intent('email.send')).rejects.toMatchObject({ code: 'agent_killed' });
        // AND what needs the write region says so, and changes nothing
        await expect(second.resume({ agentId: 'truth-frozen', reason: 'too early' })).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
        expect(await second.getAgent({ agentId: 'truth-frozen' })).toMatchObject({ status: 'killed', version: before.version + 1, statusChangedBy: 'operator' });
      } finally {
        process.kill(-engine.pid, 'SIGCONT');
      }

      // WHEN the engine is back, THEN the kill lands in both regions at that version, as one audit event
      await waitFor(
        async () => {
          const [a1, a2] = await Promise.all([first.getAgent({ agentId: 'truth-frozen' }), second.getAgent({ agentId: 'truth-frozen' })]);
          return a1.status === 'killed' && a1.version === result.version && a2.version === result.version;
        },
        { what: 'the kill folded into local-1', ceilingMs: 30_000 },
      );
      await t.runtime.streamIdle();
      const [e1, e2] = await Promise.all([auditOf(first, 'truth-frozen'), auditOf(second, 'truth-frozen')]);
      const kills = e1.filter((e) => e.type === 'killed');
      expect(kills).toHaveLength(1);
      expect(kills[0]).toMatchObject({ version: result.version, region: 'local-2', actor: 'operator', reason: 'write region down' });
      expect(e2.map((e) => e.hash)).toEqual(e1.map((e) => e.hash));
      for (const client of [first, second]) expect(await client.verifyAudit({ agentId: 'truth-frozen' })).toMatchObject({ ok: true });

      // AND the write region takes changes again: the resume follows the folded kill
      const resumed = (await second.resume({ agentId: 'truth-frozen', reason: 'fixed' }));
      expect(resumed).toMatchObject({ status: 'active', version: result.version + 1, pendingIn: [] });
    } finally {
      await agent.close();
    }
  }, 90_000);

  it('bulk-kills from local-2 while the write region is frozen: every agent stopped there, once the write region is found down', async () => {
    const fleet = ['frozen-a', 'frozen-b', 'frozen-c', 'frozen-d', 'frozen-e', 'frozen-f'];
    for (const agentId of fleet) await first.createAgent({ agentId, tags: ['fleet=frozen'] });
    await waitFor(async () => (await second.listAgents({ tags: ['fleet=frozen'] })).agents.length === fleet.length, { what: 'the fleet in local-2' });
    const engine = regionAt(0).engine;
    process.kill(-engine.pid, 'SIGSTOP');
    try {
      const result = await second.bulkKill({ reason: 'outage drill', tags: ['fleet=frozen'] });
      expect(result.complete).toBe(true);
      expect(result.agents.map((a) => a.agentId).sort()).toEqual(fleet);
      for (const a of result.agents) expect(a).toMatchObject({ changed: true, enforcedIn: ['local-2'], pendingIn: ['local-1'] });
      for (const agentId of fleet) expect(await second.getAgent({ agentId })).toMatchObject({ status: 'killed' });
    } finally {
      process.kill(-engine.pid, 'SIGCONT');
    }
    await waitFor(async () => (await Promise.all(fleet.map((agentId) => first.getAgent({ agentId })))).every((a) => a.status === 'killed'), {
      what: 'every kill folded into local-1',
      ceilingMs: 30_000,
    });
  }, 90_000);
});
