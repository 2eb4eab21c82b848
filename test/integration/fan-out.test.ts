/**
 * The fan-out through the local runtime: with shards of two, a kill of seven instances is
 * posted partly by the kill call and partly by push workers (asynchronous invocations through
 * the Lambda stand-in, run in local Lambda environments), every instance hears it once, and a
 * watcher sees the acknowledgements as counts, never as an instance list.
 */
import WebSocket from 'ws';
import { HaltClient } from '../../sdk/operator-client';
import type { HaltAgent } from '../../sdk/agent';
import { agentIn, useTestRuntime, waitFor } from '../support/local-runtime';

describe('fan-out (local runtime)', () => {
  const runtime = useTestRuntime({ push: { shardSize: 2, threads: 1 } });
  const agents: HaltAgent[] = [];
  let watcher: WebSocket | undefined;

  afterAll(async () => {
    watcher?.close();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  });

  it('kills seven instances through the caller and the push workers, and shows a watcher "7 of 7" as counts', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'fleet' });

    // GIVEN a watcher and seven connected instances
    const seen: any[] = [];
    watcher = new WebSocket(`${t.runtime.wsUrl}/?watch=all&token=${encodeURIComponent(t.operatorKey)}`);
    watcher.on('message', (data: Buffer) => seen.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      watcher?.once('open', resolve);
      watcher?.once('error', reject);
    });
    const kills: number[] = [];
    for (let i = 0; i < 7; i++) {
      const { agent } = agentIn(t, { agentId: 'fleet', key: agentKey, instanceId: `i-${i}` });
      agent.on('kill', (message: { version: number }) => kills.push(message.version));
      agents.push(agent);
    }
    await Promise.all(agents.map((a) => a.start()));
    await waitFor(async () => (await operator.getAgent({ agentId: 'fleet' })).instanceList.filter((i) => i.connected).length === 7, { what: '7 connected' });
    const workerFunction = 'halt-push-worker-local-1';
    const invokedBefore = t.runtime.lambda.invocations()[workerFunction] ?? 0;

    // WHEN the agent is killed
    const result = await operator.kill({ agentId: 'fleet', reason: 'fan-out' });

    // THEN the call posted two itself and handed five to workers in three shards (the stream's
    // safety net may hand on more later, for instances that have not acknowledged yet) …
    expect(result.pushed).toBe(7);
    expect((t.runtime.lambda.invocations()[workerFunction] ?? 0) - invokedBefore).toBeGreaterThanOrEqual(3);
    // … and every instance hears the kill once
    await waitFor(() => agents.every((a) => a.status === 'killed'), { what: 'all seven killed' });
    await t.runtime.streamIdle();
    await Promise.all(t.runtime.regions.map((r) => r.functions.idle()));
    expect(kills.filter((v) => v === result.version)).toHaveLength(7);

    // AND the watcher is shown every acknowledgement as a count, without instance lists
    const shown = await waitFor(
      () => seen.find((m) => m.type === 'agent' && m.agent.agentId === 'fleet' && m.agent.version === result.version && m.agent.instances.acknowledged === 7),
      { what: 'the watcher shown 7 of 7 acknowledged' },
    );
    expect(shown.agent.instances.total).toBe(7);
    expect(seen.filter((m) => m.type === 'agent').every((m) => !('instanceList' in m.agent))).toBe(true);
  });

  it('forgets a gone connection only once its $connect must have returned (API Gateway answers 410 until then)', async () => {
    const connections = runtime().runtime.regions[0]?.deps.connections;
    if (!connections) throw new Error('no connections repository');
    const connectedAt = new Date('2026-12-02T09:05:00.000Z');
    await connections.put({ connectionId: 'in-connect', role: 'agent', keyId: 'k-late', keyName: 'agent:fleet', agentId: 'fleet', instanceId: 'late', watch: false, connectedAt: connectedAt.toISOString() });
    // a post 2 s after it connected answered 410: its $connect may still be running
    expect(await connections.removeGone('in-connect', new Date(connectedAt.getTime() + 2_000))).toBe(false);
    expect(await connections.get('in-connect')).toBeDefined();
    // 31 s after, a 410 means gone
    expect(await connections.removeGone('in-connect', new Date(connectedAt.getTime() + 31_000))).toBe(true);
    expect(await connections.get('in-connect')).toBeUndefined();
  });

  it('tells every instance though the management API throttles the posts (429, retried with jittered waits)', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const resumed = await operator.resume({ agentId: 'fleet', reason: 'again' });
    await waitFor(async () => (await operator.getAgent({ agentId: 'fleet' })).instances.acknowledged === 7, { what: 'the resume acknowledged' });
    const gateway = t.runtime.regions[0]?.websocket;
    if (!gateway) throw new Error('no WebSocket gateway');
    const told: string[] = [];
    for (const agent of agents) agent.once('kill', () => told.push(agent.instanceId));
    // WHEN the management API takes two posts and then one every half second
    gateway.throttleManagement({ rateLimit: 2, burstLimit: 2 });
    try {
      const result = await operator.kill({ agentId: 'fleet', reason: 'throttled fan-out' });
      expect(result.version).toBe(resumed.version + 1);
      // THEN every instance is told all the same, and posts were refused on the way
      await waitFor(() => told.length === 7 || undefined, { what: 'all seven told', ceilingMs: 20_000 });
      expect(gateway.managementThrottledCount()).toBeGreaterThan(0);
    } finally {
      gateway.throttleManagement(undefined);
    }
  });
});
