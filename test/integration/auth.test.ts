/** Keys and roles over HTTP: 401 for no/unknown/revoked keys, 403 for the wrong role or agent. */
import { startTestRuntime, type TestRuntime } from '../support/local-runtime';

describe('auth (local runtime)', () => {
  let t: TestRuntime;
  let viewerKey: string;
  let viewerKeyId: string;
  let agentKey: string;
  let otherAgentKey: string;

  beforeAll(async () => {
    t = await startTestRuntime();
    agentKey = (await t.api('POST', '/v1/agents', { body: { agentId: 'mine' } })).body.agentKey;
    otherAgentKey = (await t.api('POST', '/v1/agents', { body: { agentId: 'theirs' } })).body.agentKey;
    const viewer = await t.api('POST', '/v1/keys', { body: { name: 'dashboard-viewer', role: 'viewer' } });
    expect(viewer.status).toBe(201);
    viewerKey = viewer.body.key;
    viewerKeyId = viewer.body.keyId;
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it.each([
    ['no key', null],
    ['a malformed key', 'not-a-key'],
    ['an unknown key', `halt_${'A'.repeat(43)}`],
  ])('refuses %s with 401', async (_label, key) => {
    const res = await t.api('GET', '/v1/agents', { key });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('lets a viewer read but not change or see keys', async () => {
    expect((await t.api('GET', '/v1/agents', { key: viewerKey })).status).toBe(200);
    expect((await t.api('GET', '/v1/audit', { key: viewerKey })).status).toBe(200);
    expect((await t.api('GET', '/v1/agents/mine/checkpoints', { key: viewerKey })).status).toBe(200);
    expect((await t.api('GET', '/v1/keys', { key: viewerKey })).status).toBe(403);
    const kill = await t.api('POST', '/v1/agents/mine/kill', { key: viewerKey, body: { reason: 'x' } });
    expect(kill.status).toBe(403);
    expect((await t.api('GET', '/v1/agents/mine')).body.status).toBe('active');
  });

  it('binds an agent key to its own agent', async () => {
    expect((await t.api('POST', '/v1/agents/mine/heartbeat', { key: agentKey, body: { instanceId: 'i1' } })).status).toBe(200);
    const other = await t.api('POST', '/v1/agents/theirs/heartbeat', { key: agentKey, body: { instanceId: 'i1' } });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toMatch(/bound to agent "mine"/);
    expect((await t.api('GET', '/v1/agents/theirs', { key: agentKey })).status).toBe(403);
    expect((await t.api('POST', '/v1/agents/mine/resume', { key: agentKey, body: { reason: 'me' } })).status).toBe(403);
    expect((await t.api('POST', '/v1/agents/theirs/intents', { key: otherAgentKey, body: { instanceId: 'i1', action: 'x' } })).status).toBe(202);
  });

  it('lists keys without secrets and revokes at once', async () => {
    const list = await t.api('GET', '/v1/keys');
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    for (const secret of [viewerKey, agentKey, otherAgentKey, t.operatorKey]) expect(text).not.toContain(secret);
    expect(list.body.keys).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyId: viewerKeyId, name: 'dashboard-viewer', role: 'viewer' })]),
    );
    expect(list.body.keys.find((k: any) => k.keyId === viewerKeyId).lastUsedAt).toEqual(expect.any(String));

    expect((await t.api('DELETE', `/v1/keys/${viewerKeyId}`)).status).toBe(204);
    expect((await t.api('GET', '/v1/agents', { key: viewerKey })).status).toBe(401);
    expect((await t.api('DELETE', `/v1/keys/${viewerKeyId}`)).status).toBe(404);
  });

  it('makes agent keys through /v1/keys that work for that agent only', async () => {
    const created = await t.api('POST', '/v1/keys', { body: { name: 'mine-2', role: 'agent', agentId: 'mine' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'mine-2', role: 'agent', agentId: 'mine', key: expect.stringMatching(/^halt_/) });
    expect((await t.api('POST', '/v1/agents/mine/heartbeat', { key: created.body.key, body: { instanceId: 'i2' } })).status).toBe(200);
    expect((await t.api('POST', '/v1/agents/theirs/heartbeat', { key: created.body.key, body: { instanceId: 'i2' } })).status).toBe(403);
  });
});
