/** Policies that act on their own, against the local runtime. */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_STATE_TABLE } from '../../infra/local/local-region';
import { readBusEvents, startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('policies (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime();
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const busEvents = (detailType: string) => readBusEvents(t.runtime.eventsFile, detailType);

  it('refuses the 6th intent of a 5-per-day budget, kills as policy:budget and reports the breach once', async () => {
    await t.api('POST', '/v1/agents', { body: { agentId: 'budgeted', policy: { budget: { maxIntentsPerDay: 5, onBreach: 'kill' } } } });
    const intent = () => t.api('POST', '/v1/agents/budgeted/intents', { body: { instanceId: 'i-1', action: 'email.send' } });
    for (let i = 0; i < 5; i++) expect((await intent()).status).toBe(202);
    const sixth = await intent();
    expect(sixth.status).toBe(429);
    expect(sixth.body.error).toMatchObject({ code: 'budget_exceeded', message: expect.stringContaining('maxIntentsPerDay') });
    expect((await intent()).body.error.code).toBe('agent_killed');

    const agent = (await t.api('GET', '/v1/agents/budgeted')).body;
    expect(agent).toMatchObject({ status: 'killed', statusChangedBy: 'policy:budget', intentsToday: 5 });
    const audit = await waitFor(async () => {
      const events = (await t.api('GET', '/v1/audit?agentId=budgeted')).body.events;
      return events.some((e: any) => e.type === 'killed') ? events : undefined;
    }, { what: 'the policy kill in the audit trail' });
    expect(audit.find((e: any) => e.type === 'killed')).toMatchObject({ actor: 'policy:budget', reason: expect.stringContaining('maxIntentsPerDay') });
    const breaches = busEvents('BudgetBreached').filter((e) => e.detail.agentId === 'budgeted');
    expect(breaches).toHaveLength(1);
    expect(breaches[0].detail).toMatchObject({ limit: 'maxIntentsPerDay', onBreach: 'kill', window: new Date().toISOString().slice(0, 10) });
  });

  it('rejects without stopping when onBreach is reject', async () => {
    await t.api('POST', '/v1/agents', { body: { agentId: 'capped', policy: { budget: { maxCostUsdPerDay: 1, onBreach: 'reject' } } } });
    const spend = (costUsd: number) => t.api('POST', '/v1/agents/capped/intents', { body: { instanceId: 'i-1', action: 'llm.call', costUsd } });
    expect((await spend(0.6)).status).toBe(202);
    expect((await spend(0.6)).status).toBe(429);
    expect((await spend(0.4)).status).toBe(202);
    expect((await t.api('GET', '/v1/agents/capped')).body).toMatchObject({ status: 'active', costTodayUsd: 1 });
  });

  it('pauses as policy:budget when reported cost passes the daily budget', async () => {
    const { agentKey } = (await t.api('POST', '/v1/agents', { body: { agentId: 'reporter', policy: { budget: { maxCostUsdPerDay: 2, onBreach: 'pause' } } } })).body;
    const beat = (costUsd: number) => t.api('POST', '/v1/agents/reporter/heartbeat', { key: agentKey, body: { instanceId: 'i-1', metrics: { costUsd } } });
    expect((await beat(1.5)).body.status).toBe('active');
    const answer = await beat(1);
    expect(answer.body).toMatchObject({ status: 'paused', reason: expect.stringContaining('maxCostUsdPerDay') });
    expect((await t.api('GET', '/v1/agents/reporter')).body.statusChangedBy).toBe('policy:budget');
  });

  it('denies actions by pattern at the gateway while others pass', async () => {
    await t.api('POST', '/v1/agents', { body: { agentId: 'restricted', policy: { actions: { allow: ['email.*', 'crm.read'], deny: ['email.bulk*'] } } } });
    const act = (action: string) => t.api('POST', '/v1/agents/restricted/intents', { body: { instanceId: 'i-1', action } });
    expect((await act('email.send')).status).toBe(202);
    const bulk = await act('email.bulk_send');
    expect(bulk.status).toBe(403);
    expect(bulk.body.error.code).toBe('action_denied');
    expect((await act('crm.delete')).body.error).toMatchObject({ code: 'action_denied', message: expect.stringContaining('allow-list') });
    expect((await t.api('GET', '/v1/agents/restricted')).body.status).toBe('active');
    const usage = await t.api('GET', '/v1/agents/restricted/usage?days=1');
    expect(usage.body.days[0]).toMatchObject({ intents: 1, denied: 2 });
  });

  it('finds the event an attacker edited in the table', async () => {
    await t.api('POST', '/v1/agents', { body: { agentId: 'evidence' } });
    await t.api('POST', '/v1/agents/evidence/kill', { body: { reason: 'leaked customer data' } });
    await t.api('POST', '/v1/agents/evidence/resume', { body: { reason: 'patched' } });
    await waitFor(async () => (await t.api('GET', '/v1/audit?agentId=evidence')).body.events.length === 3 || undefined, { what: 'three events' });
    expect((await t.api('GET', '/v1/audit/verify?agentId=evidence')).body).toEqual({ ok: true, checked: 3 });

    // someone with table access softens the kill's reason
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const client = new DynamoDBClient({ region: 'local-1', endpoint: region.dynamoEndpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await client.send(
      new UpdateItemCommand({
        TableName: LOCAL_STATE_TABLE,
        Key: { pk: { S: 'AUDIT#evidence' }, sk: { S: `V#${'2'.padStart(12, '0')}` } },
        UpdateExpression: 'SET reason = :r',
        ExpressionAttributeValues: { ':r': { S: 'routine maintenance' } },
      }),
    );
    client.destroy();
    expect((await t.api('GET', '/v1/audit/verify?agentId=evidence')).body).toEqual({ ok: false, checked: 2, firstBrokenEventId: 'evidence:2' });
    expect((await t.api('GET', '/v1/audit/verify')).body).toMatchObject({ ok: false, firstBrokenEventId: 'evidence:2' });
  });

  it('kills after three consecutive failed units, as policy:consecutive_failures; a success resets the run', async () => {
    const { agentKey } = (await t.api('POST', '/v1/agents', { body: { agentId: 'flaky-worker', policy: { autoKill: { consecutiveFailures: 3 } } } })).body;
    const report = (metrics: { succeeded?: number; failed?: number }) =>
      t.api('POST', '/v1/agents/flaky-worker/heartbeat', { key: agentKey, body: { instanceId: 'i-1', metrics } });
    await report({ failed: 2 });
    await report({ succeeded: 1 });
    expect((await report({ failed: 2 })).body.status).toBe('active');
    const third = await report({ failed: 1 });
    expect(third.body).toMatchObject({ status: 'killed', reason: '3 consecutive failed units (limit 3)' });
    expect((await t.api('GET', '/v1/agents/flaky-worker')).body.statusChangedBy).toBe('policy:consecutive_failures');
  });
});
