/**
 * Approvals bound to the exact call, and shadow mode, at the gateway of the local runtime
 * (API.md "Approvals", "Shadow mode"): each rule, each abuse answered with its 4xx and
 * nothing changed, the audit chain, pushes to the agent and to watchers, the bus.
 */
import WebSocket from 'ws';
import { readBusEvents, useTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

const CALL = { instanceId: 'i-1', action: 'email.send_all', to: undefined, costUsd: 2.5, payload: { list: 'everyone', template: 'spring-sale' } };

/** Collects what a socket is sent. */
const collect = (socket: WebSocket): any[] => {
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  return messages;
};

const open = async (url: string, key: string): Promise<WebSocket> => {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
};

describe('approvals and shadow mode (local runtime)', () => {
  const runtime = useTestRuntime();
  let t: TestRuntime;
  let agentKey: string;
  let viewerKey: string;
  const sockets: WebSocket[] = [];

  const intent = (body: object, key = agentKey, agentId = 'campaign') => t.api('POST', `/v1/agents/${agentId}/intents`, { key, body });
  const { to: _none, ...call } = CALL;

  beforeAll(async () => {
    t = runtime();
    agentKey = (
      await t.api('POST', '/v1/agents', {
        body: { agentId: 'campaign', policy: { approval: { actions: ['email.send_all', 'crm.delete*'], timeoutSeconds: 60 } } },
      })
    ).body.agentKey;
    viewerKey = (await t.api('POST', '/v1/keys', { body: { name: 'watching-viewer', role: 'viewer' } })).body.key;
  });

  afterAll(() => {
    for (const socket of sockets) socket.close();
  });

  it('holds a matching call as a pending approval, lets the operator approve it, and admits it once', async () => {
    const agentSocket = await open(`${t.runtime.wsUrl}/?agentId=campaign&instanceId=i-1`, agentKey);
    const watcher = await open(`${t.runtime.wsUrl}/?watch=all`, viewerKey);
    sockets.push(agentSocket, watcher);
    const toAgent = collect(agentSocket);
    const toWatcher = collect(watcher);

    const held = await intent(call);
    expect(held.status).toBe(403);
    expect(held.body.error).toMatchObject({ code: 'approval_required', approval: { approvalId: expect.stringMatching(/^apr_[a-f0-9]{24}$/), status: 'pending' } });
    const { approvalId, expiresAt } = held.body.error.approval;
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(50_000);
    // Not counted yet, and an identical call while pending gets the same approval back.
    expect((await t.api('GET', '/v1/agents/campaign')).body.intentsToday).toBe(0);
    expect((await intent(call)).body.error.approval.approvalId).toBe(approvalId);
    // Resent with the id while still pending: held again, same approval.
    const stillPending = await intent({ ...call, approvalId });
    expect(stillPending.body.error).toMatchObject({ code: 'approval_required', approval: { approvalId } });

    const listed = (await t.api('GET', '/v1/approvals?status=pending', { key: viewerKey })).body.approvals;
    expect(listed).toEqual([
      expect.objectContaining({ approvalId, agentId: 'campaign', instanceId: 'i-1', action: 'email.send_all', costUsd: 2.5, payload: call.payload, status: 'pending' }),
    ]);
    const shown = await waitFor(() => toWatcher.find((m) => m.type === 'approval' && m.approval.approvalId === approvalId && m.approval.status === 'pending'), { what: 'the watcher shown the request' });
    // The public Approval, nothing of how it is stored.
    expect(shown.approval).toEqual(listed[0]);

    const approved = await t.api('POST', `/v1/approvals/${approvalId}/approve`, { body: { reason: 'legal checked the template' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ approvalId, status: 'approved', decidedBy: expect.any(String), reason: 'legal checked the template' });
    await waitFor(() => toAgent.some((m) => m.type === 'approval' && m.approvalId === approvalId && m.status === 'approved'), { what: 'the agent told of the decision' });

    // A payload changed after approval is not this approval's call.
    const changed = await intent({ ...call, payload: { ...call.payload, list: 'everyone-else' }, approvalId });
    expect(changed.status).toBe(403);
    expect(changed.body.error.code).toBe('approval_invalid');
    expect(changed.body.error.message).toMatch(/different call/);

    const admitted = await intent({ ...call, approvalId });
    expect(admitted.status).toBe(202);
    expect(admitted.body.intentId).toMatch(/^int_/);
    expect((await t.api('GET', '/v1/agents/campaign')).body).toMatchObject({ intentsToday: 1, costTodayUsd: 2.5 });
    // Used once: the same call again with the same approval is refused.
    const reused = await intent({ ...call, approvalId });
    expect(reused.status).toBe(403);
    expect(reused.body.error).toMatchObject({ code: 'approval_invalid', message: expect.stringMatching(/is used/) });
    expect((await t.api('GET', `/v1/approvals/${approvalId}`)).body.status).toBe('used');
    // Deciding it again: not pending.
    expect((await t.api('POST', `/v1/approvals/${approvalId}/deny`, { body: { reason: 'too late' } })).status).toBe(409);

    const audit = await waitFor(async () => {
      const events = (await t.api('GET', '/v1/audit?agentId=campaign')).body.events;
      return events.filter((e: any) => e.approvalId === approvalId).length === 2 ? events : undefined;
    }, { what: 'the request and the grant in the audit trail' });
    const ofApproval = audit.filter((e: any) => e.approvalId === approvalId).map((e: any) => [e.type, e.actor, e.reason]);
    expect(ofApproval).toEqual([
      ['approval_granted', expect.any(String), 'legal checked the template'],
      ['approval_requested', 'agent:campaign', expect.stringContaining('email.send_all')],
    ]);
    expect((await t.api('GET', '/v1/audit/verify?agentId=campaign')).body).toMatchObject({ ok: true });
    const requested = readBusEvents(t.runtime.eventsFile, 'ApprovalRequested').filter((e) => e.detail.approvalId === approvalId);
    const decided = await waitFor(() => {
      const events = readBusEvents(t.runtime.eventsFile, 'ApprovalDecided').filter((e) => e.detail.approvalId === approvalId);
      return events.length > 0 ? events : undefined;
    }, { what: 'ApprovalDecided on the bus' });
    expect(requested).toHaveLength(1);
    expect(decided[0].detail).toMatchObject({ status: 'approved', reason: 'legal checked the template' });
  });

  it('refuses a denied call with approval_denied, and a deny needs a reason', async () => {
    const body = { instanceId: 'i-1', action: 'crm.delete_all', payload: { table: 'customers' } };
    const { approvalId } = (await intent(body)).body.error.approval;
    for (const reason of [undefined, '', '   ']) {
      const refused = await t.api('POST', `/v1/approvals/${approvalId}/deny`, { body: reason === undefined ? {} : { reason } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/reason/);
    }
    expect((await t.api('GET', `/v1/approvals/${approvalId}`)).body.status).toBe('pending');
    expect((await t.api('POST', `/v1/approvals/${approvalId}/deny`, { body: { reason: 'never delete customers' } })).body.status).toBe('denied');
    const denied = await intent({ ...body, approvalId });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'approval_denied', message: expect.stringContaining('never delete customers') });
  });

  it('never lets an agent key or a viewer decide, nor another agent use the approval', async () => {
    const { approvalId } = (await intent({ instanceId: 'i-1', action: 'crm.delete_one', payload: { id: 7 } })).body.error.approval;
    expect((await t.api('POST', `/v1/approvals/${approvalId}/approve`, { key: agentKey, body: {} })).status).toBe(403);
    expect((await t.api('POST', `/v1/approvals/${approvalId}/approve`, { key: viewerKey, body: {} })).status).toBe(403);
    expect((await t.api('GET', `/v1/approvals/${approvalId}`, { key: agentKey })).status).toBe(403);
    expect((await t.api('GET', `/v1/approvals/${approvalId}`)).body.status).toBe('pending');

    await t.api('POST', `/v1/approvals/${approvalId}/approve`, { body: {} });
    const otherKey = (await t.api('POST', '/v1/agents', { body: { agentId: 'other', policy: { approval: { actions: ['crm.*'] } } } })).body.agentKey;
    const stolen = await intent({ instanceId: 'i-9', action: 'crm.delete_one', payload: { id: 7 }, approvalId }, otherKey, 'other');
    expect(stolen.status).toBe(403);
    expect(stolen.body.error).toMatchObject({ code: 'approval_invalid', message: expect.stringContaining('another agent') });
    // Still usable by its own agent.
    expect((await intent({ instanceId: 'i-1', action: 'crm.delete_one', payload: { id: 7 }, approvalId })).status).toBe(202);
  });

  it('answers bad input by name: an unknown or malformed approval id, a payload over 64 KiB, a bad approval policy', async () => {
    const unknown = await intent({ ...call, approvalId: 'apr_0123456789abcdef01234567' });
    expect(unknown.body.error).toMatchObject({ code: 'approval_invalid', message: expect.stringContaining('does not exist') });
    const malformed = await intent({ ...call, approvalId: 'approve-me' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/approvalId/);
    expect((await t.api('GET', '/v1/approvals/apr_0123456789abcdef01234567')).status).toBe(404);
    const before = (await t.api('GET', '/v1/approvals?agentId=campaign')).body.approvals.length;
    const big = await intent({ instanceId: 'i-1', action: 'email.send_all', payload: { blob: 'x'.repeat(70 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(/payload/);
    expect((await t.api('GET', '/v1/approvals?agentId=campaign')).body.approvals.length).toBe(before);
    for (const approval of [{ actions: [] }, { actions: ['email.*'], timeoutSeconds: 5 }, { actions: ['email.*'], timeoutSeconds: 100_000 }]) {
      const refused = await t.api('PUT', '/v1/agents/campaign/policy', { body: { approval } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/approval/);
    }
  });

  it('cancels pending approvals when the agent is killed', async () => {
    const { approvalId } = (await intent({ instanceId: 'i-1', action: 'email.send_all', payload: { list: 'vip' } })).body.error.approval;
    await t.api('POST', '/v1/agents/campaign/kill', { body: { reason: 'template breaks the law' } });
    const cancelled = await waitFor(async () => {
      const approval = (await t.api('GET', `/v1/approvals/${approvalId}`)).body;
      return approval.status === 'cancelled' ? approval : undefined;
    }, { what: 'the approval cancelled by the kill' });
    expect(cancelled.reason).toContain('template breaks the law');
    expect((await t.api('POST', `/v1/approvals/${approvalId}/approve`, { body: {} })).status).toBe(409);
    await t.api('POST', '/v1/agents/campaign/resume', { body: { reason: 'fixed' } });
    expect((await intent({ instanceId: 'i-1', action: 'email.send_all', payload: { list: 'vip' }, approvalId })).body.error.code).toBe('approval_invalid');
    await waitFor(async () => (await t.api('GET', '/v1/audit?agentId=campaign')).body.events.some((e: any) => e.approvalId === approvalId && e.type === 'approval_cancelled'), { what: 'the cancellation audited' });
    expect((await t.api('GET', '/v1/audit/verify?agentId=campaign')).body.ok).toBe(true);
  });

  it('expires an unanswered approval (fail closed), audited as policy:approval', async () => {
    await t.api('POST', '/v1/agents', { body: { agentId: 'hasty', policy: { approval: { actions: ['pay.*'], timeoutSeconds: 10 } } } });
    const held = await t.api('POST', '/v1/agents/hasty/intents', { body: { instanceId: 'i-1', action: 'pay.invoice', costUsd: 10 } });
    const { approvalId } = held.body.error.approval;
    const expired = await waitFor(async () => {
      const approval = (await t.api('GET', `/v1/approvals/${approvalId}`)).body;
      return approval.status === 'expired' ? approval : undefined;
    }, { what: 'the approval expired', ceilingMs: 30_000, intervalMs: 500 });
    expect(expired.approvalId).toBe(approvalId);
    expect((await t.api('POST', `/v1/approvals/${approvalId}/approve`, { body: {} })).status).toBe(409);
    const refused = await t.api('POST', '/v1/agents/hasty/intents', { body: { instanceId: 'i-1', action: 'pay.invoice', costUsd: 10, approvalId } });
    expect(refused.body.error).toMatchObject({ code: 'approval_invalid', message: expect.stringContaining('expired') });
    const event = await waitFor(async () => (await t.api('GET', '/v1/audit?agentId=hasty')).body.events.find((e: any) => e.type === 'approval_expired'), {
      what: 'the expiry audited by the sweeper',
      ceilingMs: 90_000,
      intervalMs: 1000,
    });
    expect(event).toMatchObject({ approvalId, actor: 'policy:approval' });
  });

  it('in shadow mode admits what the policy would refuse, marked wouldRefuse, counted and published; a kill still refuses', async () => {
    await t.api('POST', '/v1/agents', {
      body: {
        agentId: 'trial',
        policy: { mode: 'shadow', actions: { deny: ['crm.delete*'] }, approval: { actions: ['email.send_all'] }, budget: { maxIntentsPerDay: 2, onBreach: 'kill' } },
      },
    });
    const act = (action: string) => t.api('POST', '/v1/agents/trial/intents', { body: { instanceId: 'i-1', action } });
    const denied = await act('crm.delete_all');
    expect(denied.status).toBe(202);
    expect(denied.body.wouldRefuse).toMatchObject({ code: 'action_denied' });
    const held = await act('email.send_all');
    expect(held.status).toBe(202);
    expect(held.body.wouldRefuse).toMatchObject({ code: 'approval_required' });
    const overBudget = await act('email.send');
    expect(overBudget.status).toBe(202);
    expect(overBudget.body.wouldRefuse).toMatchObject({ code: 'budget_exceeded' });
    const agent = (await t.api('GET', '/v1/agents/trial')).body;
    // Nothing automatic happened; every admitted intent was counted.
    expect(agent).toMatchObject({ status: 'active', intentsToday: 3, wouldRefuseToday: 3 });
    expect((await t.api('GET', '/v1/approvals?agentId=trial')).body.approvals).toEqual([]);
    const published = readBusEvents(t.runtime.eventsFile, 'IntentWouldBeRefused').filter((e) => e.detail.agentId === 'trial');
    expect(published.map((e) => e.detail.code).sort()).toEqual(['action_denied', 'approval_required', 'budget_exceeded']);

    await t.api('POST', '/v1/actions/kill', { body: { action: 'crm.*', reason: 'CRM migration' } });
    const fleetKilled = await act('crm.read');
    expect(fleetKilled.status).toBe(403);
    expect(fleetKilled.body.error.code).toBe('action_killed');
    await t.api('POST', '/v1/actions/resume', { body: { action: 'crm.*', reason: 'migration done' } });
    await t.api('POST', '/v1/agents/trial/kill', { body: { reason: 'trial over' } });
    expect((await act('email.send')).body.error.code).toBe('agent_killed');
  });
});
