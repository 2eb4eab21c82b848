/**
 * A WebSocket authorizer runs once, at `$connect`: without more, a revoked key's connection
 * would keep receiving every change (a viewer) or acknowledging (an agent) for up to two hours.
 * Revoking a key closes every connection opened with it, in every region, within 3 s; deleting
 * an agent does the same for its instances.
 */
import WebSocket from 'ws';
import { useTestRuntime, waitFor } from '../support/local-runtime';

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`handshake ${res.statusCode ?? '?'}`)));
    socket.once('error', reject);
  });

/** Resolves to the ms from `since` until the socket closes (rejects after 10 s). */
const closedWithin = (socket: WebSocket, since: () => number) =>
  new Promise<number>((resolve, reject) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve(0);
    const timer = setTimeout(() => reject(new Error('the connection is still open after 10 s')), 10_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - since());
    });
  });

describe('revocation closes connections (local runtime, two regions)', () => {
  const runtime = useTestRuntime({ regions: 2 });

  const regions = () => {
    const [first, second] = runtime().runtime.regions;
    if (!first || !second) throw new Error('two regions expected');
    return { first, second };
  };

  it("closes a revoked viewer's watchers in both regions within seconds (not the 2 h a connection lives), and its key opens nothing after", async () => {
    const t = runtime();
    const { first, second } = regions();
    const viewer = (await t.api('POST', '/v1/keys', { body: { name: 'night-shift', role: 'viewer' } })).body as { key: string; keyId: string };
    // The key replicates before the other region's authorizer can take it.
    const watchUrl = (wsUrl: string) => `${wsUrl}/?watch=all&token=${encodeURIComponent(viewer.key)}`;
    const here = await open(watchUrl(first.wsUrl));
    const there = await waitFor(() => open(watchUrl(second.wsUrl)).catch(() => undefined), { what: 'the key usable in local-2' });
    let revokedAt = 0;
    const closes = Promise.all([closedWithin(here, () => revokedAt), closedWithin(there, () => revokedAt)]);

    revokedAt = performance.now();
    expect((await t.api('DELETE', `/v1/keys/${viewer.keyId}`)).status).toBe(204);

    const [inFirst, inSecond] = await closes;
    expect(inFirst).toBeLessThan(10_000);
    expect(inSecond).toBeLessThan(10_000);
    await expect(open(watchUrl(first.wsUrl))).rejects.toThrow('handshake 401');
  });

  it("closes a revoked agent key's instance connection, and an agent's when the agent is deleted", async () => {
    const t = runtime();
    const { first, second } = regions();
    const created = (await t.api('POST', '/v1/agents', { body: { agentId: 'rotating' } })).body as { agentKey: string };
    const agentUrl = (wsUrl: string, key: string, instanceId: string) => `${wsUrl}/?agentId=rotating&instanceId=${instanceId}&token=${encodeURIComponent(key)}`;
    // A second key for the same agent, as a rotation makes: revoking the old one closes only its connections.
    const rotated = (await t.api('POST', '/v1/keys', { body: { name: 'rotating-2', role: 'agent', agentId: 'rotating' } })).body as { key: string; keyId: string };
    const keys = (await t.api('GET', '/v1/keys')).body.keys as { keyId: string; agentId?: string; name: string }[];
    const oldKey = keys.find((k) => k.agentId === 'rotating' && k.keyId !== rotated.keyId);
    if (!oldKey) throw new Error('the agent key is not listed');
    const old = await open(agentUrl(first.wsUrl, created.agentKey, 'i-old'));
    const fresh = await waitFor(() => open(agentUrl(second.wsUrl, rotated.key, 'i-new')).catch(() => undefined), { what: 'the new key usable in local-2' });

    let at = performance.now();
    expect((await t.api('DELETE', `/v1/keys/${oldKey.keyId}`)).status).toBe(204);
    expect(await closedWithin(old, () => at)).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(fresh.readyState).toBe(WebSocket.OPEN);

    at = performance.now();
    expect((await t.api('DELETE', '/v1/agents/rotating')).status).toBe(204);
    expect(await closedWithin(fresh, () => at)).toBeLessThan(10_000);
  });
});
