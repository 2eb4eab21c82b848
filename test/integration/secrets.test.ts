/**
 * No secret leaves in a log: a full run at DEBUG level (agents, keys, heartbeats, intents,
 * checkpoints, a kill pushed over WebSockets, refused keys) and every line it wrote — stdout,
 * stderr, the event bus file — is searched for every key and checkpoint payload it used.
 * And the API answers no other origin's browser (no CORS headers at all: the dashboard is
 * served from the API's own origin).
 */
import { readFileSync } from 'node:fs';
import { HaltAgent } from '../../sdk/agent';
import { HaltClient } from '../../sdk/operator-client';
import { startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('secrets and origins (local runtime, DEBUG logs)', () => {
  let t: TestRuntime;
  const written: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr), warn: console.warn };

  beforeAll(async () => {
    const capture = (original: typeof process.stdout.write) =>
      ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof process.stdout.write;
    process.stdout.write = capture(originals.out);
    process.stderr.write = capture(originals.err);
    console.warn = (...args: unknown[]) => written.push(args.map(String).join(' '));
    t = await startTestRuntime({ logLevel: 'DEBUG' });
  });

  afterAll(async () => {
    await t?.dispose();
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    console.warn = originals.warn;
  });

  it('writes no key and no checkpoint payload to any log or event', async () => {
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const secrets: string[] = [t.operatorKey];
    const { agentKey } = await operator.createAgent({ agentId: 'secretive', tags: ['s'] });
    secrets.push(agentKey);
    const viewer = await t.api('POST', '/v1/keys', { body: { name: 'v', role: 'viewer' } });
    secrets.push(viewer.body.key);
    const spare = await t.api('POST', '/v1/keys', { body: { name: 'spare', role: 'operator' } });
    secrets.push(spare.body.key);

    // an instance on the WebSocket, a browser-style watcher with ?token=, checkpoints, intents, a kill
    const agent = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: agentKey, agentId: 'secretive', instanceId: 'i-1', heartbeatIntervalMs: 200 });
    agent.on('error', () => undefined);
    await agent.start();
    await waitFor(async () => (await operator.getAgent({ agentId: 'secretive' })).instanceList[0]?.connected === true, { what: 'connected' });
    const payload = `customer-list-${'x'.repeat(8)}-PAYLOAD-MARKER-7f3a`;
    secrets.push(payload);
    await agent.saveCheckpoint('c1', { next: 3, note: payload });
    expect((await agent.loadCheckpoint<{ note: string }>('c1'))?.data.note).toBe(payload);
    await agent.intent('email.send', { costUsd: 0.01, payload: { body: payload } });
    const watcher = await fetch(`${t.runtime.restUrl}/health`); // the dashboard's first call
    expect(watcher.status).toBe(200);
    await operator.kill({ agentId: 'secretive', reason: 'leak check', wait: { timeoutMs: 5_000 } });
    await agent.close();

    // refused keys: a revoked one, one a character off, one sent as a query string
    await t.api('DELETE', `/v1/keys/${spare.body.keyId}`);
    expect((await t.api('GET', '/v1/agents', { key: spare.body.key })).status).toBe(401);
    const nearMiss = `${agentKey.slice(0, -1)}${agentKey.endsWith('A') ? 'B' : 'A'}`;
    secrets.push(nearMiss);
    expect((await t.api('GET', '/v1/agents', { key: nearMiss })).status).toBe(401);
    expect((await t.api('GET', `/v1/agents?token=${encodeURIComponent(t.operatorKey)}`, { key: null })).status).toBe(401);
    await t.runtime.streamIdle();

    const logs = written.join('');
    // the handlers' logger really wrote here (the stream consumer's INFO line for each audit event)
    expect(logs).toContain('audit event recorded');
    const events = readFileSync(t.runtime.eventsFile, 'utf8');
    expect(events).toContain('AgentKilled');
    for (const secret of secrets) {
      expect(logs.includes(secret)).toBe(false);
      expect(events.includes(secret)).toBe(false);
    }
  });

  it('sends no CORS headers, so no other origin can read an answer', async () => {
    const preflight = await fetch(`${t.runtime.restUrl}/agents`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBeLessThan(500);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
    const read = await t.api('GET', '/v1/agents', { headers: { origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });
});
