/**
 * Faults, each against the real local runtime: the storage engine killed mid-run, the
 * stream consumer failing batches, the WebSocket server going away, replication held back.
 * In each: no acknowledged kill is lost, nothing is applied or audited twice, and the runtime
 * recovers by itself.
 */
import { once } from 'node:events';
import type { HaltAgent } from '../../sdk/agent';
import { HaltClient } from '../../sdk/operator-client';
import { agentIn, readBusEvents, startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

const agentFor = (t: TestRuntime, options: { agentId: string; key: string; instanceId: string; regionIndex?: 0 | 1 }) =>
  agentIn(t, { ...options, heartbeatIntervalMs: 200, failClosedAfterMs: 120_000, reconnect: { minDelayMs: 50, maxDelayMs: 300 } }).agent;

/** Audit versions of one agent, oldest first (each change exactly once). */
const auditVersions = async (operator: HaltClient, agentId: string) =>
  (await operator.listAudit({ agentId })).events.map((e) => `${e.version}:${e.type}`).reverse();

describe('faults (local runtime)', () => {
  describe('DynamoDB Local killed mid-run', () => {
    let t: TestRuntime;
    const errors: Error[] = [];
    const agents: HaltAgent[] = [];

    beforeAll(async () => {
      t = await startTestRuntime({ onError: (e) => errors.push(e) });
    });

    afterAll(async () => {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
      await t?.dispose();
    });

    const engine = () => {
      const region = t.runtime.regions[0];
      if (!region) throw new Error('no region');
      return region.engine;
    };
    const crash = () => process.kill(-engine().pid, 'SIGKILL');

    it('restarts the engine by itself, keeps every acknowledged kill, and audits each change once', async () => {
      // GIVEN an agent with a connected instance, killed and resumed once
      const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey, timeoutMs: 3_000 });
      const { agentKey } = await operator.createAgent({ agentId: 'sturdy' });
      const agent = agentFor(t, { agentId: 'sturdy', key: agentKey, instanceId: 'i-1' });
      agents.push(agent);
      await agent.start();
      await operator.kill({ agentId: 'sturdy', reason: 'first' });
      await operator.resume({ agentId: 'sturdy', reason: 'fixed' });
      await waitFor(() => agent.status === 'active' && agent.version === 3, { what: 'the resume reached the instance' });

      // WHEN the engine is killed, and an operator keeps trying to kill the agent
      crash();
      let acknowledged: { version: number } | undefined;
      let refused = 0;
      await waitFor(
        async () => {
          try {
            acknowledged = await operator.kill({ agentId: 'sturdy', reason: 'during the outage' });
            return true;
          } catch {
            refused++;
            return false;
          }
        },
        { what: 'a kill the control plane acknowledges', ceilingMs: 60_000, intervalMs: 200 },
      );

      // THEN the engine came back by itself, and the acknowledged kill holds
      expect(engine().restarts).toBe(1);
      expect(refused).toBeGreaterThan(0); // the outage was real: calls failed, none half-applied
      expect(acknowledged?.version).toBe(4);
      await waitFor(() => agent.status === 'killed' && agent.version === 4, { what: 'the kill reached the instance', ceilingMs: 15_000 });

      // AND a second crash after the acknowledgement loses nothing
      crash();
      await waitFor(() => engine().restarts === 2, { what: 'the second restart', ceilingMs: 30_000 });
      await waitFor(async () => (await operator.getAgent({ agentId: 'sturdy' }).catch(() => undefined))?.status === 'killed', {
        what: 'the agent read back after the restart',
        ceilingMs: 30_000,
      });
      expect((await operator.getAgent({ agentId: 'sturdy' })).version).toBe(4);

      // AND every change is audited exactly once, the stream consumer having resumed by itself
      await waitFor(async () => (await auditVersions(operator, 'sturdy').catch(() => [])).length === 4, { what: 'four audit events', ceilingMs: 30_000 });
      await t.runtime.streamIdle();
      expect(await auditVersions(operator, 'sturdy')).toEqual(['1:agent_created', '2:killed', '3:resumed', '4:killed']);
      expect(errors.some((e) => /exited unexpectedly/.test(e.message))).toBe(true);
    });
  });

  describe('the WebSocket server restarted', () => {
    let t: TestRuntime;
    const agents: HaltAgent[] = [];

    beforeAll(async () => {
      t = await startTestRuntime({ onError: () => undefined });
    });

    afterAll(async () => {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
      await t?.dispose();
    });

    it('reconnects every instance, and a kill made while it was down reaches them all', async () => {
      // GIVEN three connected instances
      const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
      const { agentKey } = await operator.createAgent({ agentId: 'resilient' });
      const instances = ['i-1', 'i-2', 'i-3'].map((instanceId) => agentFor(t, { agentId: 'resilient', key: agentKey, instanceId }));
      agents.push(...instances);
      await Promise.all(instances.map((a) => a.start()));
      await waitFor(async () => (await operator.getAgent({ agentId: 'resilient' })).instanceList.filter((i) => i.connected).length === 3, {
        what: 'three connections',
      });
      const websocket = t.runtime.regions[0]?.websocket;
      if (!websocket) throw new Error('no websocket');

      // WHEN the WebSocket server goes down, a kill is made, and the server comes back
      const disconnected = instances.map((a) => once(a, 'disconnected'));
      await websocket.restart(async () => {
        await Promise.all(disconnected);
        const result = await operator.kill({ agentId: 'resilient', reason: 'while the socket server was down' });
        expect(result.pushed).toBe(0);
      });

      // THEN every instance learns the kill (by its REST heartbeat, or on reconnecting) and acknowledges it
      await waitFor(() => instances.every((a) => a.status === 'killed' && a.signal.aborted), { what: 'three instances stopped', ceilingMs: 10_000 });
      await waitFor(async () => (await operator.getAgent({ agentId: 'resilient' })).instances.acknowledged === 3, { what: '3 of 3 acknowledged' });
      // AND they are connected again
      await waitFor(async () => (await operator.getAgent({ agentId: 'resilient' })).instanceList.filter((i) => i.connected).length === 3, {
        what: 'three connections again',
        ceilingMs: 10_000,
      });
    });
  });

  describe('the stream consumer failing', () => {
    let t: TestRuntime;

    beforeAll(async () => {
      t = await startTestRuntime({ onError: () => undefined });
    });

    afterAll(async () => {
      await t?.dispose();
    });

    it('retries the failed batches: one audit event and one bus event per change, none lost, none twice', async () => {
      const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
      await operator.createAgent({ agentId: 'audited' });
      await t.runtime.streamIdle();
      const bus = t.runtime.eventSink;

      // WHEN the event bus refuses every put for a while, during a run of changes
      bus.failPuts(true);
      for (let i = 0; i < 5; i++) {
        await operator.kill({ agentId: 'audited', reason: `kill ${i}` });
        await operator.resume({ agentId: 'audited', reason: `resume ${i}` });
      }
      await waitFor(() => bus.refused() > 0 || undefined, { what: 'the consumer to meet the failing bus' });
      bus.failPuts(false);

      // THEN once it accepts again, every change is audited and published exactly once
      await waitFor(async () => (await auditVersions(operator, 'audited')).length === 11, { what: '11 audit events', ceilingMs: 30_000 });
      await t.runtime.streamIdle();
      const versions = await auditVersions(operator, 'audited');
      expect(versions).toEqual(Array.from({ length: 11 }, (_, i) => `${i + 1}:${i === 0 ? 'agent_created' : i % 2 === 1 ? 'killed' : 'resumed'}`));
      const published = readBusEvents(t.runtime.eventsFile).filter((e) => e.detail.agentId === 'audited');
      expect(published.map((e) => e.detail.version as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    });
  });

  describe('replication between the regions held back', () => {
    let t: TestRuntime;
    const agents: HaltAgent[] = [];

    beforeAll(async () => {
      t = await startTestRuntime({ regions: 2, onError: () => undefined });
    });

    afterAll(async () => {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
      await t?.dispose();
    });

    it('says where a kill is not yet enforced, tells the instance there anyway, and has that region enforce it once it arrives, applied once', async () => {
      const first = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
      const secondRegion = t.runtime.regions[1];
      if (!secondRegion || !t.runtime.replicator) throw new Error('two regions expected');
      const second = new HaltClient({ url: secondRegion.restUrl, key: t.operatorKey });
      const { agentKey } = await first.createAgent({ agentId: 'far-away' });
      // The agent item and its key are separate items: wait until the key works there too.
      const asAgentThere = new HaltClient({ url: secondRegion.restUrl, key: agentKey });
      await waitFor(async () => (await asAgentThere.getAgent({ agentId: 'far-away' }).catch(() => undefined)) !== undefined, { what: 'agent and key replicated' });
      const agent = agentFor(t, { agentId: 'far-away', key: agentKey, instanceId: 'far-1', regionIndex: 1 });
      agents.push(agent);
      await agent.start();

      // GIVEN the first region knows where the instance is connected (its presence replicated)
      await waitFor(async () => (await first.getAgent({ agentId: 'far-away' })).instanceList.some((i) => i.connected && i.region === 'local-2'), { what: 'the presence in local-1' });
      // WHEN replication is slowed to 5 s and the agent is killed in the first region
      t.runtime.replicator.setDelay(5_000);
      const killed = await first.kill({ agentId: 'far-away', reason: 'slow link' });

      // THEN the answer says the second region has not confirmed it (the wait is 3 s) …
      expect(killed).toMatchObject({ enforcedIn: ['local-1'], pendingIn: ['local-2'] });
      // … the instance there was told anyway, straight from the first region …
      await waitFor(() => agent.status === 'killed', { what: 'the instance in the second region told', ceilingMs: 1_000 });
      // … and the second region's gateway, as `pendingIn` warned, admits until the change lands
      const intent = () =>
        fetch(`${secondRegion.restUrl}/agents/far-away/intents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ instanceId: 'far-1', action: 'email.send' }),
        });
      expect((await intent()).status).toBe(202);
      // … then refuses
      await waitFor(async () => (await intent()).status === 403, { what: 'the kill enforced in the second region', ceilingMs: 10_000 });
      await expect(agent.intent('email.send')).rejects.toMatchObject({ code: 'agent_killed' });

      // AND each region audits the kill once
      t.runtime.replicator.setDelay(0);
      await t.runtime.replicator.idle();
      await t.runtime.streamIdle();
      expect(await auditVersions(first, 'far-away')).toEqual(['1:agent_created', '2:killed']);
      expect(await auditVersions(second, 'far-away')).toEqual(['1:agent_created', '2:killed']);
    });
  });
});
