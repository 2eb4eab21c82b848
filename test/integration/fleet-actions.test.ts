/**
 * One action killed across the fleet, in two local regions (API.md "Kill one action across
 * the fleet"): enforced by both gateways when the call returns, whatever each agent's policy;
 * pushed to connected instances in both regions; one fleet audit chain, identical and verified
 * in both; bad input refused by name. And an approval is used once, globally.
 */
import WebSocket from 'ws';
import { apiClient, readBusEvents, useTestRuntime, waitFor, type ApiClient, type TestRuntime } from '../support/local-runtime';

const open = async (url: string, key: string): Promise<{ socket: WebSocket; messages: any[] }> => {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages };
};

describe('fleet-wide action kills and approvals across two regions (local runtime)', () => {
  const runtime = useTestRuntime({ regions: 2 });
  let t: TestRuntime;
  /** The operator's API in each region (local-1 is the write region). */
  let api: [ApiClient, ApiClient];
  const sockets: WebSocket[] = [];

  const region = (i: 0 | 1) => {
    const r = t.runtime.regions[i];
    if (!r) throw new Error(`no region ${i}`);
    return r;
  };

  beforeAll(() => {
    t = runtime();
    api = [t.api, apiClient(region(1).restUrl.replace(/\/v1$/, ''), t.operatorKey)];
  });

  afterAll(() => {
    for (const socket of sockets) socket.close();
  });

  /** An agent whose key works in both regions. */
  const agentEverywhere = async (agentId: string, policy?: object): Promise<string> => {
    const { agentKey } = (await api[0]('POST', '/v1/agents', { body: { agentId, ...(policy ? { policy } : {}) } })).body;
    await waitFor(async () => (await api[1]('GET', `/v1/agents/${agentId}`, { key: agentKey })).status === 200, { what: `${agentId} in local-2` });
    return agentKey;
  };

  it('refuses the glob in every region when the call returns, whatever the policy, and tells every connected instance', async () => {
    const mailerKey = await agentEverywhere('mailer', { actions: { allow: ['email.*', 'sms.*'] } });
    const reporterKey = await agentEverywhere('reporter');
    const inFirst = await open(`${region(0).wsUrl}/?agentId=mailer&instanceId=us-1`, mailerKey);
    const inSecond = await open(`${region(1).wsUrl}/?agentId=reporter&instanceId=eu-1`, reporterKey);
    sockets.push(inFirst.socket, inSecond.socket);
    const act = (i: 0 | 1, agentId: string, key: string, action: string) => api[i]('POST', `/v1/agents/${agentId}/intents`, { key, body: { instanceId: 'i-1', action } });
    expect((await act(1, 'reporter', reporterKey, 'email.send')).status).toBe(202);

    // Made in local-2, which is not the write region.
    const killed = await api[1]('POST', '/v1/actions/kill', { body: { action: 'email.*', reason: 'template breaks the law' } });
    expect(killed.status).toBe(200);
    expect(killed.body).toMatchObject({ action: 'email.*', reason: 'template breaks the law', actor: expect.any(String), enforcedIn: ['local-1', 'local-2'], pendingIn: [] });
    for (const [i, agentId, key] of [[0, 'mailer', mailerKey], [1, 'mailer', mailerKey], [0, 'reporter', reporterKey], [1, 'reporter', reporterKey]] as const) {
      const refused = await act(i, agentId, key, 'email.send');
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'action_killed', message: expect.stringContaining('template breaks the law') });
      expect((await act(i, agentId, key, 'sms.send')).status).toBe(202);
    }
    for (const { messages } of [inFirst, inSecond]) {
      await waitFor(() => messages.find((m) => m.type === 'action_killed'), { what: 'the action kill pushed' });
      expect(messages.filter((m) => m.type === 'action_killed')).toEqual([{ type: 'action_killed', action: 'email.*', reason: 'template breaks the law' }]);
    }
    for (const i of [0, 1] as const) expect((await api[i]('GET', '/v1/actions')).body.killed).toEqual([expect.objectContaining({ action: 'email.*', reason: 'template breaks the law' })]);

    // Killing it again changes nothing; lifting it admits the action again, everywhere.
    const again = await api[0]('POST', '/v1/actions/kill', { body: { action: 'email.*', reason: 'again' } });
    expect(again.body).toMatchObject({ action: 'email.*', reason: 'template breaks the law' });
    const lifted = await api[0]('POST', '/v1/actions/resume', { body: { action: 'email.*', reason: 'template fixed' } });
    expect(lifted.body).toMatchObject({ action: 'email.*', enforcedIn: ['local-1', 'local-2'], pendingIn: [] });
    expect((await act(1, 'mailer', mailerKey, 'email.send')).status).toBe(202);
    await waitFor(() => inSecond.messages.find((m) => m.type === 'action_resumed'), { what: 'the lift pushed' });

    // One fleet chain, the same in both regions, verified in both; on the bus once each.
    const fleetEvents = async (i: 0 | 1) => (await api[i]('GET', '/v1/audit?limit=500')).body.events.filter((e: any) => e.agentId === null);
    const chains = await waitFor(async () => {
      const both = [await fleetEvents(0), await fleetEvents(1)];
      return both.every((events) => events.length === 2) ? both : undefined;
    }, { what: 'two fleet events in each region' });
    expect(chains[0]).toEqual(chains[1]);
    expect(chains[0].map((e: any) => [e.type, e.action, e.reason])).toEqual([
      ['action_resumed', 'email.*', 'template fixed'],
      ['action_killed', 'email.*', 'template breaks the law'],
    ]);
    for (const i of [0, 1] as const) expect((await api[i]('GET', '/v1/audit/verify')).body).toMatchObject({ ok: true });
    await waitFor(() => readBusEvents(t.runtime.eventsFile, 'ActionResumed').length === 1, { what: 'ActionResumed on the bus' });
    // One sink for both regions: each change on the bus once, from the region that took it.
    const killedEvents = readBusEvents(t.runtime.eventsFile, 'ActionKilled');
    expect(killedEvents).toHaveLength(1);
    expect(killedEvents[0].detail).toMatchObject({ type: 'action_killed', action: 'email.*', agentId: null });
  });

  it('answers bad input by name and changes nothing', async () => {
    const before = (await api[0]('GET', '/v1/actions')).body.killed;
    const cases: [string, object, number, RegExp][] = [
      ['/v1/actions/kill', { action: '*', reason: 'everything' }, 400, /confirm/],
      ['/v1/actions/kill', { action: '**', reason: 'everything' }, 400, /confirm/],
      ['/v1/actions/kill', { action: 'email.*' }, 400, /reason/],
      ['/v1/actions/kill', { action: 'email.*', reason: '  ' }, 400, /reason/],
      ['/v1/actions/kill', { action: 'email send', reason: 'x' }, 400, /action/],
      ['/v1/actions/resume', { action: 'never.killed', reason: 'x' }, 404, /not killed/],
      ['/v1/actions/resume', { action: 'email.*' }, 400, /reason/],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await api[0]('POST', path, { body });
      expect([path, JSON.stringify(body), res.status]).toEqual([path, JSON.stringify(body), status]);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await api[0]('GET', '/v1/actions')).body.killed).toEqual(before);
  });

  it('stops every action of every agent with a confirmed bare "*"', async () => {
    const key = await agentEverywhere('anyone');
    const killed = await api[0]('POST', '/v1/actions/kill', { body: { action: '*', reason: 'incident: stop all tool use', confirm: true } });
    expect(killed.status).toBe(200);
    for (const i of [0, 1] as const) {
      expect((await api[i]('POST', '/v1/agents/anyone/intents', { key, body: { instanceId: 'i-1', action: 'llm.call' } })).body.error.code).toBe('action_killed');
    }
    await api[1]('POST', '/v1/actions/resume', { body: { action: '*', reason: 'incident over' } });
    expect((await api[1]('POST', '/v1/agents/anyone/intents', { key, body: { instanceId: 'i-1', action: 'llm.call' } })).status).toBe(202);
  });

  it('kills an action from local-2 while the write region is frozen, and folds it into the fleet chain once it is back', async () => {
    const key = await agentEverywhere('frozen-mailer');
    const watcher = await open(`${region(1).wsUrl}/?agentId=frozen-mailer&instanceId=eu-1`, key);
    sockets.push(watcher.socket);
    const act = (i: 0 | 1, action: string) => api[i]('POST', '/v1/agents/frozen-mailer/intents', { key, body: { instanceId: 'eu-1', action } });
    const fleetEventsBefore = (await api[1]('GET', '/v1/audit?limit=500')).body.events.filter((e: any) => e.agentId === null).length;
    const engine = region(0).engine;
    process.kill(-engine.pid, 'SIGSTOP');
    try {
      const killed = await api[1]('POST', '/v1/actions/kill', { body: { action: 'sms.*', reason: 'carrier outage' } });
      expect(killed.status).toBe(200);
      expect(killed.body).toMatchObject({ action: 'sms.*', reason: 'carrier outage', enforcedIn: ['local-2'], pendingIn: ['local-1'] });
      expect((await act(1, 'sms.send')).body.error).toMatchObject({ code: 'action_killed' });
      expect((await act(1, 'email.send')).status).toBe(202);
      expect((await api[1]('GET', '/v1/actions')).body.killed).toEqual([expect.objectContaining({ action: 'sms.*', reason: 'carrier outage' })]);
      await waitFor(() => watcher.messages.find((m) => m.type === 'action_killed' && m.action === 'sms.*'), { what: 'the instance in local-2 told' });
      // Lifting needs the write region: refused, and nothing changes.
      const lift = await api[1]('POST', '/v1/actions/resume', { body: { action: 'sms.*', reason: 'too early' } });
      expect(lift.status).toBe(503);
      expect((await act(1, 'sms.send')).body.error.code).toBe('action_killed');
    } finally {
      process.kill(-engine.pid, 'SIGCONT');
    }
    // Back: folded into the fleet item, one event, the same chain in both regions.
    const chains = await waitFor(async () => {
      const both = await Promise.all(([0, 1] as const).map(async (i) => (await api[i]('GET', '/v1/audit?limit=500')).body.events.filter((e: any) => e.agentId === null)));
      return both.every((events) => events.length === fleetEventsBefore + 1) ? both : undefined;
    }, { what: 'the folded kill in both fleet chains', ceilingMs: 30_000 });
    expect(chains[0]).toEqual(chains[1]);
    expect(chains[0][0]).toMatchObject({ type: 'action_killed', action: 'sms.*', reason: 'carrier outage', region: 'local-2' });
    for (const i of [0, 1] as const) expect((await api[i]('GET', '/v1/audit/verify')).body.ok).toBe(true);
    expect((await act(0, 'sms.send')).body.error.code).toBe('action_killed');
    const lifted = await api[1]('POST', '/v1/actions/resume', { body: { action: 'sms.*', reason: 'carrier back' } });
    expect(lifted.body).toMatchObject({ enforcedIn: ['local-1', 'local-2'], pendingIn: [] });
    for (const i of [0, 1] as const) expect((await act(i, 'sms.send')).status).toBe(202);
  });

  it('admits an approved call once, globally, when it is sent to both regions at once', async () => {
    const key = await agentEverywhere('payer', { approval: { actions: ['pay.*'] } });
    const call = { instanceId: 'i-1', action: 'pay.invoice', costUsd: 120, payload: { invoice: 'INV-7' } };
    // Asked in local-2: the approval is written in the write region.
    const held = await api[1]('POST', '/v1/agents/payer/intents', { key, body: call });
    expect(held.body.error.code).toBe('approval_required');
    const { approvalId } = held.body.error.approval;
    expect((await api[0]('POST', `/v1/approvals/${approvalId}/approve`, { body: { reason: 'invoice checked' } })).status).toBe(200);
    await waitFor(async () => (await api[1]('GET', `/v1/approvals/${approvalId}`)).body.status === 'approved', { what: 'the approval in local-2' });

    const answers = await Promise.all(([0, 1] as const).map((i) => api[i]('POST', '/v1/agents/payer/intents', { key, body: { ...call, approvalId } })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 403]);
    expect(answers.find((a) => a.status === 403)?.body.error.code).toBe('approval_invalid');
    const chains = await waitFor(async () => {
      const both = await Promise.all(([0, 1] as const).map(async (i) => (await api[i]('GET', '/v1/audit?agentId=payer')).body.events));
      return both.every((events) => events.length === 3) ? both : undefined;
    }, { what: 'created, requested and granted in both regions' });
    expect(chains[0]).toEqual(chains[1]);
    for (const i of [0, 1] as const) expect((await api[i]('GET', '/v1/audit/verify?agentId=payer')).body.ok).toBe(true);
  });
});
