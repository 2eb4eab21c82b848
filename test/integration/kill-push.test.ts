/**
 * The kill path end to end against the local runtime: three SDK instances connected over
 * WebSockets, a kill through the operator client that waits for "3 of 3", every signal
 * aborted, resume, a vanished connection cleaned up, a bad key refused at the handshake.
 */
import WebSocket from 'ws';
import { CONNECT_WINDOW_MS } from '../../lambdas/adapters/dynamo/connections';
import { HaltAgent } from '../../sdk/agent';
import { AgentStoppedError, IntentRefusedError } from '../../sdk/errors';
import { HaltClient } from '../../sdk/operator-client';
import { startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('kill push (local runtime)', () => {
  let t: TestRuntime;
  let operator: HaltClient;
  const agents: HaltAgent[] = [];

  const baseUrl = () => t.runtime.restUrl;

  beforeAll(async () => {
    t = await startTestRuntime();
    operator = new HaltClient({ url: baseUrl(), key: t.operatorKey });
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const startAgent = async (options: { agentId: string; key: string; instanceId: string; heartbeatIntervalMs?: number; wsUrl?: string | null }) => {
    const agent = new HaltAgent({
      url: baseUrl(),
      ...(options.wsUrl === null ? {} : { wsUrl: options.wsUrl ?? t.runtime.wsUrl }),
      key: options.key,
      agentId: options.agentId,
      instanceId: options.instanceId,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    });
    const errors: Error[] = [];
    agent.on('error', (e: Error) => errors.push(e));
    agents.push(agent);
    await agent.start();
    return agent;
  };

  it('kills three connected instances at once: "3 of 3", every signal aborted, resume renews them', async () => {
    // GIVEN three instances of one agent, connected
    const { agentKey } = await operator.createAgent({ agentId: 'mailer', tags: ['team=growth'] });
    const instances = await Promise.all(['i-1', 'i-2', 'i-3'].map((instanceId) => startAgent({ agentId: 'mailer', key: agentKey, instanceId })));
    await waitFor(async () => (await operator.getAgent({ agentId: 'mailer' })).instanceList.filter((i) => i.connected).length === 3, {
      what: 'three connections',
    });
    const kills = instances.map((agent) => new Promise((resolve) => agent.once('kill', resolve)));

    // WHEN the operator kills it and waits
    const result = await operator.kill({ agentId: 'mailer', reason: 'template breaks the law', wait: { timeoutMs: 10_000 } });

    // THEN the push reached all three at once, and all three acknowledged
    expect(result).toMatchObject({ status: 'killed', changed: true, pushed: 3, acknowledged: 3, total: 3, complete: true });
    await Promise.all(kills);
    for (const agent of instances) {
      expect(agent.signal.aborted).toBe(true);
      expect(agent.signal.reason).toBeInstanceOf(AgentStoppedError);
      expect((agent.signal.reason as AgentStoppedError).reason).toBe('template breaks the law');
      await expect(agent.intent('email.send')).rejects.toBeInstanceOf(IntentRefusedError);
    }

    // WHEN it is resumed THEN each instance gets a fresh, live signal
    const resumes = instances.map((agent) => new Promise((resolve) => agent.once('resume', resolve)));
    const resumed = await operator.resume({ agentId: 'mailer', reason: 'fixed', wait: { timeoutMs: 10_000 } });
    expect(resumed).toMatchObject({ status: 'active', acknowledged: 3, total: 3 });
    await Promise.all(resumes);
    for (const agent of instances) expect(agent.signal.aborted).toBe(false);
    await expect(instances[0]?.intent('email.send', { costUsd: 0.01 })).resolves.toEqual({ intentId: expect.stringMatching(/^int_/) });
  });

  it('reaches an instance without a WebSocket by its heartbeat', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'rest-only' });
    const agent = await startAgent({ agentId: 'rest-only', key: agentKey, instanceId: 'i-1', heartbeatIntervalMs: 200, wsUrl: null });
    const killed = new Promise((resolve) => agent.once('kill', resolve));
    const result = await operator.kill({ agentId: 'rest-only', reason: 'stop', wait: { timeoutMs: 10_000 } });
    expect(result).toMatchObject({ pushed: 0, acknowledged: 1, total: 1 });
    await killed;
    expect(agent.signal.aborted).toBe(true);
  });

  it('cleans up a connection that vanished when a push finds it gone, and the instance still learns the kill', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'flaky' });
    const agent = await startAgent({ agentId: 'flaky', key: agentKey, instanceId: 'i-1', heartbeatIntervalMs: 300 });
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    await waitFor(async () => region.websocket.connectionIds().length > 0 && (await operator.getAgent({ agentId: 'flaky' })).instanceList[0]?.connected, {
      what: 'connected',
    });
    // the client's side stops reconnecting, so only the stale item is left
    const connectionsBefore = await region.deps.connections?.ofAgent('flaky');
    expect(connectionsBefore).toHaveLength(1);
    await agent.close();
    const stale = connectionsBefore?.[0]?.connectionId ?? '';
    // close() sent its goodbye without waiting: the gateway drops the connection and its
    // $disconnect finishes first (else a push could still reach the open socket)
    await waitFor(() => !region.websocket.connectionIds().includes(stale), { what: 'the connection gone from the gateway' });
    await region.websocket.settled();
    // then the item is put back as if the network had died instead, on a connection older than
    // the window in which a 410 may mean "$connect still running" (such a young one is kept)
    const before = connectionsBefore?.[0] as NonNullable<typeof connectionsBefore>[number];
    await region.deps.connections?.put({ ...before, connectedAt: new Date(Date.parse(before.connectedAt) - CONNECT_WINDOW_MS - 1_000).toISOString() });
    const killed = await operator.kill({ agentId: 'flaky', reason: 'stop' });
    // the kill addresses the stale connection: locally its shard goes to a push worker, and a
    // shard handed over counts as sent (API.md: `pushed`, connections the kill was sent to)
    expect(killed.pushed).toBe(1);
    // THEN the push finds it gone (410) and removes its item
    await waitFor(async () => (await region.deps.connections?.get(stale)) === undefined, { what: 'the stale connection removed by the push' });

    // a fresh instance of the same agent that lost its socket learns the kill by heartbeat
    const second = await startAgent({ agentId: 'flaky', key: agentKey, instanceId: 'i-2', heartbeatIntervalMs: 200 });
    expect(second.signal.aborted).toBe(true);
  });

  it('learns a kill made while its WebSocket was down, once it is back', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'reconnector' });
    const agent = await startAgent({ agentId: 'reconnector', key: agentKey, instanceId: 'i-1' });
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    await waitFor(async () => region.websocket.connectionIds().length > 0 && (await operator.getAgent({ agentId: 'reconnector' })).instanceList[0]?.connected, {
      what: 'connected',
    });
    const [connectionId] = (await region.deps.connections?.ofAgent('reconnector')) ?? [];
    const killedEvent = new Promise((resolve) => agent.once('kill', resolve));
    region.websocket.vanish(connectionId?.connectionId ?? '');
    await operator.kill({ agentId: 'reconnector', reason: 'while away' });
    await killedEvent;
    expect(agent.signal.aborted).toBe(true);
  });

  it('refuses a WebSocket with a bad key, or another agent\'s key, at the handshake', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'guarded' });
    const other = await operator.createAgent({ agentId: 'other' });
    const handshake = (query: string, key?: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${t.runtime.wsUrl}/?${query}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
        socket.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          socket.terminate();
        });
        socket.on('open', () => {
          resolve(101);
          socket.close();
        });
        socket.on('error', () => undefined);
      });
    expect(await handshake('agentId=guarded&instanceId=i-1')).toBe(401);
    expect(await handshake('agentId=guarded&instanceId=i-1', `halt_${'B'.repeat(43)}`)).toBe(401);
    expect(await handshake('agentId=guarded&instanceId=i-1', other.agentKey)).toBe(403);
    expect(await handshake('agentId=guarded', agentKey)).toBe(403);
    expect(await handshake(`agentId=guarded&instanceId=i-1&token=${agentKey}`)).toBe(101);
    expect(await handshake('watch=all', t.operatorKey)).toBe(101);
  });

  it('hands an intent addressed to another agent to its connected instances, and refuses one to a stopped agent', async () => {
    const sender = await operator.createAgent({ agentId: 'planner' });
    const receiver = await operator.createAgent({ agentId: 'executor' });
    const planner = await startAgent({ agentId: 'planner', key: sender.agentKey, instanceId: 'p-1' });
    const executor = await startAgent({ agentId: 'executor', key: receiver.agentKey, instanceId: 'e-1' });
    await waitFor(async () => (await operator.getAgent({ agentId: 'executor' })).instanceList[0]?.connected, { what: 'executor connected' });
    const received = new Promise<any>((resolve) => executor.once('intent', resolve));
    const { intentId } = await planner.intent('task.run', { to: 'executor', payload: { task: 42 } });
    expect(await received).toMatchObject({ type: 'intent', intentId, from: 'planner', action: 'task.run', payload: { task: 42 } });

    await operator.kill({ agentId: 'executor', reason: 'stopped' });
    await expect(planner.intent('task.run', { to: 'executor' })).rejects.toMatchObject({ code: 'recipient_killed' });
  });

  it('tells watchers every change', async () => {
    await operator.createAgent({ agentId: 'watched' });
    const socket = new WebSocket(`${t.runtime.wsUrl}/?watch=all`, { headers: { authorization: `Bearer ${t.operatorKey}` } });
    const messages: any[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));
    await operator.kill({ agentId: 'watched', reason: 'seen' });
    const message = await waitFor(async () => messages.find((m) => m.type === 'agent' && m.agent.agentId === 'watched' && m.agent.status === 'killed'), {
      what: 'watch message',
    });
    expect(message.agent).toMatchObject({ statusReason: 'seen', version: 2 });
    socket.close();
  });
});
