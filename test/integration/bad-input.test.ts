/**
 * Every route answers bad input with the 4xx and error code of the contract, naming the
 * field; nothing changes state on a 4xx, and no answer is a 5xx.
 */
import { startTestRuntime, type TestRuntime } from '../support/local-runtime';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string;
  status: number;
  code: string;
  message?: RegExp;
}

describe('bad input (local runtime)', () => {
  let t: TestRuntime;
  let agentKey: string;

  beforeAll(async () => {
    t = await startTestRuntime();
    const created = await t.api('POST', '/v1/agents', { body: { agentId: 'a1', tags: ['env=test'] } });
    agentKey = created.body.agentKey;
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const huge = 'x'.repeat(300 * 1024);
  const cases: Case[] = [
    { name: 'malformed JSON', method: 'POST', path: '/v1/agents', rawBody: '{"agentId": ', status: 400, code: 'invalid_request', message: /body: is not valid/ },
    { name: 'empty body', method: 'POST', path: '/v1/agents', rawBody: '', status: 400, code: 'invalid_request', message: /body: is required/ },
    { name: 'array body', method: 'POST', path: '/v1/agents', body: [1], status: 400, code: 'invalid_request', message: /JSON object/ },
    { name: 'missing agentId', method: 'POST', path: '/v1/agents', body: {}, status: 400, code: 'invalid_request', message: /body\.agentId: is required/ },
    { name: 'bad agentId', method: 'POST', path: '/v1/agents', body: { agentId: 'Not Valid!' }, status: 400, code: 'invalid_request', message: /body\.agentId: must match/ },
    { name: 'wrong-typed tags', method: 'POST', path: '/v1/agents', body: { agentId: 'x1', tags: 'a' }, status: 400, code: 'invalid_request', message: /body\.tags/ },
    { name: 'too many tags', method: 'POST', path: '/v1/agents', body: { agentId: 'x1', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, status: 400, code: 'invalid_request', message: /at most 20/ },
    { name: 'unknown field', method: 'POST', path: '/v1/agents', body: { agentId: 'x1', colour: 'red' }, status: 400, code: 'invalid_request', message: /unknown field "colour"/ },
    { name: 'prototype pollution key', method: 'POST', path: '/v1/agents', rawBody: '{"agentId":"x1","__proto__":{"admin":true}}', status: 400, code: 'invalid_request' },
    { name: 'existing agent', method: 'POST', path: '/v1/agents', body: { agentId: 'a1' }, status: 409, code: 'conflict', message: /already exists/ },
    { name: 'oversize body', method: 'POST', path: '/v1/agents', rawBody: JSON.stringify({ agentId: 'x1', name: huge }), status: 413, code: 'payload_too_large' },
    { name: 'unknown agent', method: 'GET', path: '/v1/agents/nobody', status: 404, code: 'agent_not_found' },
    { name: 'bad agent id in path', method: 'GET', path: '/v1/agents/NOPE', status: 400, code: 'invalid_request', message: /path\.agentId/ },
    { name: 'unknown query parameter', method: 'GET', path: '/v1/agents?colour=red', status: 400, code: 'invalid_request', message: /query: unknown field "colour"/ },
    { name: 'kill without reason', method: 'POST', path: '/v1/agents/a1/kill', body: {}, status: 400, code: 'invalid_request', message: /body\.reason: is required/ },
    { name: 'kill with empty reason', method: 'POST', path: '/v1/agents/a1/kill', body: { reason: '   ' }, status: 400, code: 'invalid_request', message: /body\.reason/ },
    { name: 'kill with long reason', method: 'POST', path: '/v1/agents/a1/kill', body: { reason: 'x'.repeat(501) }, status: 400, code: 'invalid_request', message: /500/ },
    { name: 'kill unknown agent', method: 'POST', path: '/v1/agents/nobody/kill', body: { reason: 'x' }, status: 404, code: 'agent_not_found' },
    { name: 'kill with stale version', method: 'POST', path: '/v1/agents/a1/kill', body: { reason: 'x', expectedVersion: 99 }, status: 409, code: 'version_conflict' },
    { name: 'pause with string version', method: 'POST', path: '/v1/agents/a1/pause', body: { reason: 'x', expectedVersion: '1' }, status: 400, code: 'invalid_request', message: /expectedVersion/ },
    { name: 'bulk kill with empty tags', method: 'POST', path: '/v1/kill', body: { reason: 'x', tags: [] }, status: 400, code: 'invalid_request', message: /body\.tags/ },
    { name: 'bulk kill without scope', method: 'POST', path: '/v1/kill', body: { reason: 'x' }, status: 400, code: 'invalid_request', message: /"all": true/ },
    { name: 'bulk kill with all:false', method: 'POST', path: '/v1/kill', body: { reason: 'x', all: false }, status: 400, code: 'invalid_request', message: /body\.all/ },
    { name: 'heartbeat without instance', method: 'POST', path: '/v1/agents/a1/heartbeat', body: {}, status: 400, code: 'invalid_request', message: /body\.instanceId: is required/ },
    { name: 'heartbeat negative metrics', method: 'POST', path: '/v1/agents/a1/heartbeat', body: { instanceId: 'i1', metrics: { costUsd: -1 } }, status: 400, code: 'invalid_request', message: /body\.metrics\.costUsd/ },
    { name: 'heartbeat unknown agent', method: 'POST', path: '/v1/agents/nobody/heartbeat', body: { instanceId: 'i1' }, status: 404, code: 'agent_not_found' },
    { name: 'intent without action', method: 'POST', path: '/v1/agents/a1/intents', body: { instanceId: 'i1' }, status: 400, code: 'invalid_request', message: /body\.action/ },
    { name: 'intent with string cost', method: 'POST', path: '/v1/agents/a1/intents', body: { instanceId: 'i1', action: 'a', costUsd: '1' }, status: 400, code: 'invalid_request', message: /body\.costUsd/ },
    { name: 'intent to unknown agent', method: 'POST', path: '/v1/agents/a1/intents', body: { instanceId: 'i1', action: 'a', to: 'nobody' }, status: 404, code: 'agent_not_found', message: /^to:/ },
    { name: 'checkpoint without data', method: 'PUT', path: '/v1/agents/a1/checkpoints/c1', body: {}, status: 400, code: 'invalid_request', message: /body\.data/ },
    { name: 'checkpoint over 64 KiB', method: 'PUT', path: '/v1/agents/a1/checkpoints/c1', body: { data: 'x'.repeat(70 * 1024) }, status: 413, code: 'payload_too_large', message: /64 KiB/ },
    { name: 'checkpoint bad name', method: 'PUT', path: '/v1/agents/a1/checkpoints/Bad%20Name', body: { data: 1 }, status: 400, code: 'invalid_request', message: /path\.name/ },
    { name: 'key without name', method: 'POST', path: '/v1/keys', body: { role: 'viewer' }, status: 400, code: 'invalid_request', message: /body\.name/ },
    { name: 'key with bad role', method: 'POST', path: '/v1/keys', body: { name: 'k', role: 'admin' }, status: 400, code: 'invalid_request', message: /body\.role/ },
    { name: 'agent key without agent', method: 'POST', path: '/v1/keys', body: { name: 'k', role: 'agent' }, status: 400, code: 'invalid_request', message: /body\.agentId: is required when role is "agent"/ },
    { name: 'agent key for unknown agent', method: 'POST', path: '/v1/keys', body: { name: 'k', role: 'agent', agentId: 'nobody' }, status: 404, code: 'agent_not_found' },
    { name: 'revoke unknown key', method: 'DELETE', path: '/v1/keys/key_aaaaaaaaaaaaaaaaaaaa', status: 404, code: 'key_not_found' },
    { name: 'revoke malformed key id', method: 'DELETE', path: '/v1/keys/xyz', status: 400, code: 'invalid_request', message: /path\.keyId/ },
    { name: 'audit with bad limit', method: 'GET', path: '/v1/audit?limit=0', status: 400, code: 'invalid_request', message: /query\.limit/ },
    { name: 'audit with forged cursor', method: 'GET', path: '/v1/audit?cursor=bm90IGpzb24', status: 400, code: 'invalid_request', message: /cursor/ },
    { name: 'policy with bad onBreach', method: 'PUT', path: '/v1/agents/a1/policy', body: { budget: { onBreach: 'explode' } }, status: 400, code: 'invalid_request', message: /body\.budget\.onBreach/ },
    { name: 'unknown route', method: 'GET', path: '/v1/nothing-here', status: 404, code: 'route_not_found' },
    { name: 'wrong method', method: 'PATCH', path: '/v1/agents', status: 405, code: 'method_not_allowed' },
  ];

  it.each(cases)('$name → $status $code', async (c) => {
    const before = await t.api('GET', '/v1/agents/a1');
    const res = await t.api(c.method, c.path, c.rawBody !== undefined ? { rawBody: c.rawBody } : c.body !== undefined ? { body: c.body } : {});
    expect(res.status).toBe(c.status);
    expect(res.body).toEqual({ error: { code: c.code, message: expect.any(String) } });
    if (c.message) expect(res.body.error.message).toMatch(c.message);
    expect(res.body.error.message).not.toMatch(/at .*\.ts:\d+|stack/i);
    const after = await t.api('GET', '/v1/agents/a1');
    expect(after.body.version).toBe(before.body.version);
    expect(after.body.status).toBe(before.body.status);
  });

  it('leaves no agent behind from refused creations', async () => {
    const res = await t.api('GET', '/v1/agents');
    expect(res.body.agents.map((a: any) => a.agentId)).toEqual(['a1']);
  });

  it('accepts the agent key on its own routes only', async () => {
    expect((await t.api('POST', '/v1/agents/a1/heartbeat', { key: agentKey, body: { instanceId: 'i1' } })).status).toBe(200);
    expect((await t.api('GET', '/v1/agents/a1', { key: agentKey })).status).toBe(200);
    const kill = await t.api('POST', '/v1/agents/a1/kill', { key: agentKey, body: { reason: 'self' } });
    expect(kill.status).toBe(403);
    expect(kill.body.error.code).toBe('forbidden');
    expect((await t.api('GET', '/v1/agents', { key: agentKey })).status).toBe(403);
  });
});
