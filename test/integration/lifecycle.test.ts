/**
 * The whole life of an agent against the real local runtime over HTTP: create, heartbeat,
 * kill, refusal at the gateway, the audit trail, resume, and the events on the bus.
 */
import { readFileSync } from 'node:fs';
import { startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('agent lifecycle (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime();
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it('answers health without a key', async () => {
    const res = await t.api('GET', '/v1/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, region: 'local-1' });
  });

  it('serves its OpenAPI document without a key', async () => {
    const res = await t.api('GET', '/v1/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toContain('/v1/agents/{agentId}/kill');
  });

  it('creates, heartbeats, kills, refuses, audits, resumes and lets the agent act again', async () => {
    // GIVEN a new agent with its key
    const created = await t.api('POST', '/v1/agents', { body: { agentId: 'email-campaign', name: 'Email campaign', tags: ['team=growth', 'email'] } });
    expect(created.status).toBe(201);
    expect(created.body.agentKey).toMatch(/^halt_[A-Za-z0-9_-]{43}$/);
    expect(created.body.agent).toMatchObject({ agentId: 'email-campaign', status: 'active', health: 'unknown', version: 1 });
    const agentKey: string = created.body.agentKey;

    // WHEN its instance heartbeats with its own key
    const beat = await t.api('POST', '/v1/agents/email-campaign/heartbeat', { key: agentKey, body: { instanceId: 'i-1', region: 'local-1' } });
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ status: 'active', version: 1 });

    // THEN it is healthy with one instance
    const healthy = await t.api('GET', '/v1/agents/email-campaign');
    expect(healthy.body).toMatchObject({ health: 'healthy', instances: { total: 1, healthy: 1, acknowledged: 0 } });
    expect(healthy.body.instanceList).toEqual([
      expect.objectContaining({ instanceId: 'i-1', region: 'local-1', health: 'healthy', connected: false }),
    ]);

    // WHEN an operator kills it
    const killed = await t.api('POST', '/v1/agents/email-campaign/kill', { body: { reason: 'template breaks the law' } });
    expect(killed.status).toBe(200);
    expect(killed.body).toEqual({ agentId: 'email-campaign', status: 'killed', version: 2, changed: true, pushed: 0, enforcedIn: ['local-1'], pendingIn: [] });

    // THEN the heartbeat still answers 200, saying killed and why
    const killedBeat = await t.api('POST', '/v1/agents/email-campaign/heartbeat', { key: agentKey, body: { instanceId: 'i-1' } });
    expect(killedBeat.status).toBe(200);
    expect(killedBeat.body).toMatchObject({ status: 'killed', version: 2, reason: 'template breaks the law' });

    // AND the gateway refuses its intents
    const refused = await t.api('POST', '/v1/agents/email-campaign/intents', { key: agentKey, body: { instanceId: 'i-1', action: 'email.send', costUsd: 0.01 } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('agent_killed');

    // AND killing again changes nothing
    const again = await t.api('POST', '/v1/agents/email-campaign/kill', { body: { reason: 'double click' } });
    expect(again.body).toMatchObject({ changed: false, version: 2 });

    // AND the audit trail holds exactly one killed event with actor and reason
    const audit = await waitFor(async () => {
      const res = await t.api('GET', '/v1/audit?agentId=email-campaign');
      return res.body.events.length >= 2 ? res.body : undefined;
    }, { what: 'audit events' });
    const kills = audit.events.filter((e: any) => e.type === 'killed');
    expect(kills).toHaveLength(1);
    expect(kills[0]).toMatchObject({
      agentId: 'email-campaign',
      actor: 'operator',
      reason: 'template breaks the law',
      fromStatus: 'active',
      toStatus: 'killed',
      version: 2,
      region: 'local-1',
    });
    expect(audit.events.map((e: any) => e.type)).toEqual(['killed', 'agent_created']);

    // WHEN it is resumed
    const resumed = await t.api('POST', '/v1/agents/email-campaign/resume', { body: { reason: 'template fixed' } });
    expect(resumed.body).toMatchObject({ status: 'active', version: 3, changed: true });

    // THEN health is unknown until the next heartbeat, then healthy again
    expect((await t.api('GET', '/v1/agents/email-campaign')).body.health).toBe('unknown');
    await t.api('POST', '/v1/agents/email-campaign/heartbeat', { key: agentKey, body: { instanceId: 'i-1', acknowledgedVersion: 3 } });
    const back = await t.api('GET', '/v1/agents/email-campaign');
    expect(back.body).toMatchObject({ health: 'healthy', status: 'active', instances: { acknowledged: 1 } });

    // AND the gateway takes its intents again, counting them and their cost
    const accepted = await t.api('POST', '/v1/agents/email-campaign/intents', { key: agentKey, body: { instanceId: 'i-1', action: 'email.send', costUsd: 0.25 } });
    expect(accepted.status).toBe(202);
    expect(accepted.body.intentId).toMatch(/^int_/);
    const counted = await t.api('GET', '/v1/agents/email-campaign');
    expect(counted.body).toMatchObject({ intentsToday: 1, costTodayUsd: 0.25 });
    const usage = await t.api('GET', '/v1/agents/email-campaign/usage?days=3');
    expect(usage.body.days).toHaveLength(3);
    expect(usage.body.days[2]).toMatchObject({ day: new Date().toISOString().slice(0, 10), intents: 1, costUsd: 0.25 });
    expect(usage.body.days[0]).toMatchObject({ intents: 0, costUsd: 0 });

    // AND the chain verifies
    await waitFor(async () => (await t.api('GET', '/v1/audit?agentId=email-campaign')).body.events.length === 3, { what: 'resume audit' });
    const verify = await t.api('GET', '/v1/audit/verify?agentId=email-campaign');
    expect(verify.body).toEqual({ ok: true, checked: 3 });

    // AND the bus got one event per change
    const events = await waitFor(async () => {
      const lines = readFileSync(t.runtime.eventsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const mine = lines.filter((e) => e.detail?.agentId === 'email-campaign');
      return mine.length >= 3 ? mine : undefined;
    }, { what: 'events on the bus' });
    expect(events.map((e: any) => e.detailType)).toEqual(['AgentCreated', 'AgentKilled', 'AgentResumed']);
    expect(events[1]).toMatchObject({ source: 'halt', detail: { type: 'killed', reason: 'template breaks the law', actor: 'operator' } });
  });

  it('keeps every change when 20 kill/resume calls race, with one audit event per change', async () => {
    await t.api('POST', '/v1/agents', { body: { agentId: 'racer' } });
    const calls = Array.from({ length: 20 }, (_, i) =>
      t.api('POST', `/v1/agents/racer/${i % 2 === 0 ? 'kill' : 'resume'}`, { body: { reason: `race ${i}` } }),
    );
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const changed = results.filter((r) => r.body.changed);
    const versions = changed.map((r) => r.body.version as number).sort((a, b) => a - b);
    // every change got its own version, and they are consecutive after creation (version 1)
    expect(versions).toEqual(Array.from({ length: changed.length }, (_, i) => i + 2));
    const final = await t.api('GET', '/v1/agents/racer');
    expect(final.body.version).toBe(1 + changed.length);

    const audit = await waitFor(async () => {
      const res = await t.api('GET', '/v1/audit?agentId=racer&limit=100');
      return res.body.events.length === changed.length + 1 ? res.body.events : undefined;
    }, { what: 'one audit event per change' });
    expect(audit.map((e: any) => e.version)).toEqual(Array.from({ length: changed.length + 1 }, (_, i) => changed.length + 1 - i));
    await t.runtime.streamIdle();
    const settled = await t.api('GET', '/v1/audit?agentId=racer&limit=100');
    expect(settled.body.events).toHaveLength(changed.length + 1);
    expect((await t.api('GET', '/v1/audit/verify?agentId=racer')).body).toEqual({ ok: true, checked: changed.length + 1 });
  });

  it('saves and loads checkpoints by name, in any status', async () => {
    const created = await t.api('POST', '/v1/agents', { body: { agentId: 'checkpointer' } });
    const key = created.body.agentKey as string;
    await t.api('POST', '/v1/agents/checkpointer/kill', { body: { reason: 'stop' } });
    const saved = await t.api('PUT', '/v1/agents/checkpointer/checkpoints/i-1', { key, body: { data: { batch: 30, sent: [1, 2, 3] } } });
    expect(saved.status).toBe(200);
    expect(Date.parse(saved.body.savedAt)).not.toBeNaN();
    const loaded = await t.api('GET', '/v1/agents/checkpointer/checkpoints/i-1', { key });
    expect(loaded.body).toEqual({ data: { batch: 30, sent: [1, 2, 3] }, savedAt: saved.body.savedAt });
    const list = await t.api('GET', '/v1/agents/checkpointer/checkpoints', { key });
    expect(list.body).toEqual({ checkpoints: [{ name: 'i-1', savedAt: saved.body.savedAt }] });
    const missing = await t.api('GET', '/v1/agents/checkpointer/checkpoints/other', { key });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('no_checkpoint');
  });

  it('kills by tag exactly the agents carrying every tag, and all with all:true', async () => {
    for (const [agentId, tags] of [
      ['tag-a', ['team=red', 'env=prod']],
      ['tag-b', ['team=red']],
      ['tag-c', ['team=blue', 'env=prod']],
    ] as const) {
      expect((await t.api('POST', '/v1/agents', { body: { agentId, tags } })).status).toBe(201);
    }
    const res = await t.api('POST', '/v1/kill', { body: { reason: 'red team incident', tags: ['team=red', 'env=prod'] } });
    expect(res.status).toBe(200);
    expect(res.body.agents).toEqual([{ agentId: 'tag-a', version: 2, changed: true, pushed: 0, enforcedIn: ['local-1'], pendingIn: [] }]);
    expect((await t.api('GET', '/v1/agents/tag-b')).body.status).toBe('active');

    const listed = await t.api('GET', '/v1/agents?tag=team%3Dred');
    expect(listed.body.agents.map((a: any) => a.agentId)).toEqual(['tag-a', 'tag-b']);

    const all = await t.api('POST', '/v1/kill', { body: { reason: 'stop everything', all: true } });
    const byId = Object.fromEntries(all.body.agents.map((a: any) => [a.agentId, a]));
    expect(byId['tag-a']).toMatchObject({ changed: false });
    expect(byId['tag-b']).toMatchObject({ changed: true });
    expect(byId['tag-c']).toMatchObject({ changed: true });
    const everyone = await t.api('GET', '/v1/agents');
    expect(everyone.body.agents.every((a: any) => a.status === 'killed')).toBe(true);
  });

  it('pauses and resumes by tag, one audit event per agent changed, leaving killed agents killed', async () => {
    for (const agentId of ['fleet-a', 'fleet-b', 'fleet-c']) {
      await t.api('POST', '/v1/agents', { body: { agentId, tags: ['fleet=blue'] } });
    }
    await t.api('POST', '/v1/agents/fleet-c/kill', { body: { reason: 'already stopped' } });
    const paused = await t.api('POST', '/v1/pause', { body: { reason: 'maintenance', tags: ['fleet=blue'] } });
    expect(paused.status).toBe(200);
    expect(paused.body.agents).toEqual([
      { agentId: 'fleet-a', version: 2, changed: true, pushed: 0, enforcedIn: ['local-1'], pendingIn: [] },
      { agentId: 'fleet-b', version: 2, changed: true, pushed: 0, enforcedIn: ['local-1'], pendingIn: [] },
      { agentId: 'fleet-c', version: 2, changed: false, pushed: 0, enforcedIn: ['local-1'], pendingIn: [] },
    ]);
    expect((await t.api('GET', '/v1/agents/fleet-c')).body.status).toBe('killed');
    const resumed = await t.api('POST', '/v1/resume', { body: { reason: 'done', tags: ['fleet=blue'] } });
    expect(resumed.body.agents.map((a: any) => [a.agentId, a.changed])).toEqual([
      ['fleet-a', true],
      ['fleet-b', true],
      ['fleet-c', true],
    ]);
    await t.runtime.streamIdle();
    const audit = (await t.api('GET', '/v1/audit?agentId=fleet-a')).body.events.map((e: any) => e.type);
    expect(audit).toEqual(['resumed', 'paused', 'agent_created']);
    expect((await t.api('POST', '/v1/pause', { body: { reason: 'x', tags: [] } })).status).toBe(400);
  });

  it('deletes an agent: 404 after, its key stops, its audit trail stays, and the id can be reused', async () => {
    const created = await t.api('POST', '/v1/agents', { body: { agentId: 'short-lived' } });
    const key = created.body.agentKey as string;
    expect((await t.api('DELETE', '/v1/agents/short-lived')).status).toBe(204);
    expect((await t.api('GET', '/v1/agents/short-lived')).status).toBe(404);
    expect((await t.api('POST', '/v1/agents/short-lived/heartbeat', { key, body: { instanceId: 'i-1' } })).status).toBe(401);
    const recreated = await t.api('POST', '/v1/agents', { body: { agentId: 'short-lived' } });
    expect(recreated.status).toBe(201);
    expect(recreated.body.agent.version).toBe(3);
    const audit = await waitFor(async () => {
      const res = await t.api('GET', '/v1/audit?agentId=short-lived');
      return res.body.events.length === 3 ? res.body.events : undefined;
    }, { what: 'audit of delete and re-create' });
    expect(audit.map((e: any) => e.type)).toEqual(['agent_created', 'agent_deleted', 'agent_created']);
    expect((await t.api('GET', '/v1/audit/verify?agentId=short-lived')).body.ok).toBe(true);
  });

  it('refuses a budget breach with 429 and, with onBreach kill, kills as policy:budget', async () => {
    await t.api('POST', '/v1/agents', {
      body: { agentId: 'spender', policy: { budget: { maxIntentsPerDay: 5, onBreach: 'kill' } } },
    });
    const intent = () => t.api('POST', '/v1/agents/spender/intents', { body: { instanceId: 'i-1', action: 'email.send' } });
    for (let i = 0; i < 5; i++) expect((await intent()).status).toBe(202);
    const sixth = await intent();
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('budget_exceeded');
    const agent = await t.api('GET', '/v1/agents/spender');
    expect(agent.body).toMatchObject({ status: 'killed', statusChangedBy: 'policy:budget', intentsToday: 5 });
  });
});
