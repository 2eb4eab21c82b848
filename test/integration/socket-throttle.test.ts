/**
 * The WebSocket stage's throttle, as API Gateway applies it: each route on its own, `$connect`
 * included. A handshake over it is refused with 429; a message over it is not routed and the
 * client gets an error frame. The SDK sends a throttled acknowledgement again, so a fleet
 * acknowledging a kill at once is still counted. (The stack's 500 a second and 1,000 in a burst
 * per route, scaled down here.)
 */
import WebSocket from 'ws';
import { HaltAgent } from '../../sdk/agent';
import { GATEWAY_THROTTLED } from '../../sdk/protocol/messages';
import { useTestRuntime, waitFor } from '../support/local-runtime';

const THROTTLE = { rateLimit: 2, burstLimit: 3 };

describe('WebSocket throttling (local runtime)', () => {
  const runtime = useTestRuntime({ socketThrottle: THROTTLE });
  let agentKey = '';

  const open = (instanceId: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${runtime().runtime.wsUrl}/?agentId=chatty&instanceId=${instanceId}`, { headers: { authorization: `Bearer ${agentKey}` } });
      socket.once('open', () => resolve(socket));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`handshake ${res.statusCode ?? '?'}`)));
      socket.once('error', reject);
    });

  beforeAll(async () => {
    agentKey = (await runtime().api('POST', '/v1/agents', { body: { agentId: 'chatty' } })).body.agentKey as string;
  });

  it('refuses handshakes over the $connect route\'s throttle with 429', async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => open(`burst-${i}`)));
    const opened = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(opened.length).toBeLessThanOrEqual(THROTTLE.burstLimit + 1);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['handshake 429']));
    for (const socket of opened) socket.close();
  });

  it('answers messages over a route\'s throttle with an error frame and does not route them', async () => {
    await new Promise((r) => setTimeout(r, 2_000)); // the buckets refill
    const socket = await open('sender');
    const frames: { message?: string; connectionId?: string; type?: string }[] = [];
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as (typeof frames)[number]));
    const before = runtime().runtime.regions[0]?.websocket.messageCounts().heartbeat ?? 0;
    for (let i = 0; i < 10; i++) socket.send(JSON.stringify({ action: 'heartbeat', instanceId: 'sender' }));
    await waitFor(() => frames.filter((f) => f.message === GATEWAY_THROTTLED).length >= 5 || undefined, { what: 'throttle frames' });
    const throttled = frames.filter((f) => f.message === GATEWAY_THROTTLED);
    expect(throttled[0]).toEqual({ message: GATEWAY_THROTTLED, connectionId: expect.any(String), requestId: expect.any(String) });
    const routed = (runtime().runtime.regions[0]?.websocket.messageCounts().heartbeat ?? 0) - before;
    expect(routed + throttled.length).toBe(10);
    expect(routed).toBeLessThanOrEqual(THROTTLE.burstLimit + 1);
    socket.close();
  });

  it('has the SDK send a throttled acknowledgement again until it is counted', async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    // It acknowledges when told to here, so the test can spend the ack route's bucket first.
    const agent = new HaltAgent({ url: runtime().runtime.restUrl, wsUrl: runtime().runtime.wsUrl, key: agentKey, agentId: 'chatty', instanceId: 'obedient', heartbeatIntervalMs: 60_000, autoAcknowledge: false });
    agent.on('error', () => undefined);
    const flood = await open('flooder');
    try {
      await agent.start();
      await waitFor(async () => (await runtime().api('GET', '/v1/agents/chatty')).body.instanceList.some((i: { instanceId: string; connected: boolean }) => i.instanceId === 'obedient' && i.connected), { what: 'connected' });
      const told = new Promise<void>((resolve) => agent.once('kill', () => resolve()));
      const { version } = (await runtime().api('POST', '/v1/agents/chatty/kill', { body: { reason: 'stop' } })).body as { version: number };
      await told;
      // Another connection spends the ack route's bucket; then the instance acknowledges.
      const floodFrames: string[] = [];
      flood.on('message', (data: Buffer) => floodFrames.push(data.toString()));
      for (let i = 0; i < 6; i++) flood.send(JSON.stringify({ action: 'ack', version: 1 }));
      await waitFor(() => floodFrames.length >= 2 || undefined, { what: 'the bucket spent' });
      const throttledBefore = runtime().runtime.regions[0]?.websocket.throttledCount() ?? 0;
      await agent.acknowledge(version);
      const acked = await waitFor(async () => {
        const detail = (await runtime().api('GET', '/v1/agents/chatty')).body as { instanceList: { instanceId: string; acknowledgedVersion?: number }[] };
        return detail.instanceList.find((i) => i.instanceId === 'obedient' && i.acknowledgedVersion === version);
      }, { what: 'the acknowledgement, sent again after the throttle', ceilingMs: 15_000 });
      expect(acked).toBeDefined();
      // The first try was refused: what got through was sent again.
      expect(runtime().runtime.regions[0]?.websocket.throttledCount()).toBeGreaterThan(throttledBefore);
    } finally {
      flood.close();
      await agent.close();
    }
  });
});
