/**
 * The local runtime runs every handler with its function's stack policy, and fails a missing
 * grant the way AWS does. Here the runtime is given the stack's policies with grants taken
 * away (the first is issue 13's defect 1: the intent function could not publish), and each
 * missing grant shows: an AccessDenied answer where AWS would give one, recorded per function.
 */
import { HaltAgent } from '../../sdk/agent';
import { stackPolicies } from '../../infra/local/iam/local-iam';
import { withoutGrant } from '../support/iam';
import { readBusEvents, useTestRuntime, waitFor } from '../support/local-runtime';

describe('local IAM (local runtime)', () => {
  let policies = stackPolicies();
  policies = withoutGrant(policies, 'Rest/SubmitIntent', 'events:PutEvents');
  policies = withoutGrant(policies, 'Rest/PauseAgent', 'dynamodb:UpdateItem');
  policies = withoutGrant(policies, 'WebSocket/PushWorker', 'execute-api:ManageConnections');
  const runtime = useTestRuntime({ iamPolicies: policies, expectAccessDenials: true });
  const denialsOf = (functionId: string) => runtime().runtime.accessDenials.filter((d) => d.functionId === functionId);

  it('answers 500 to the breaching intent when the intent function may not put on the bus, and publishes before marking', async () => {
    const t = runtime();
    await t.api('POST', '/v1/agents', { body: { agentId: 'spender', policy: { budget: { maxIntentsPerDay: 1, onBreach: 'reject' } } } });
    const intent = () => t.api('POST', '/v1/agents/spender/intents', { body: { instanceId: 'i-1', action: 'email.send' } });
    expect((await intent()).status).toBe(202);
    // The breach's BudgetBreached event cannot be put: the answer says so (as in AWS), and the
    // breach is not marked, so a later call (with the grant) would still publish it.
    const breach = await intent();
    expect(breach.status).toBe(500);
    expect(denialsOf('Rest/SubmitIntent')).toEqual([
      expect.objectContaining({ action: 'events:PutEvents', resource: 'arn:aws:events:local-1:000000000000:event-bus/halt-events' }),
    ]);
    expect(readBusEvents(t.runtime.eventsFile, 'BudgetBreached').filter((e) => e.detail.agentId === 'spender')).toEqual([]);
    expect((await intent()).status).toBe(500);
    expect(denialsOf('Rest/SubmitIntent')).toHaveLength(2);
  });

  it('fails a pause whose function may not update the agent, and the agent stays as it was', async () => {
    const t = runtime();
    await t.api('POST', '/v1/agents', { body: { agentId: 'pausable' } });
    const pause = await t.api('POST', '/v1/agents/pausable/pause', { body: { reason: 'check' } });
    expect(pause.status).toBe(500);
    expect(denialsOf('Rest/PauseAgent')).toEqual([
      expect.objectContaining({ action: 'dynamodb:UpdateItem', resource: 'arn:aws:dynamodb:local-1:000000000000:table/halt-state' }),
    ]);
    expect((await t.api('GET', '/v1/agents/pausable')).body).toMatchObject({ status: 'active', version: 1 });
    // Another function with the grant still works: the refusal is the pause function's alone.
    expect((await t.api('POST', '/v1/agents/pausable/kill', { body: { reason: 'stop' } })).status).toBe(200);
  });

  it('refuses the push worker\'s posts at the management API when it may not manage connections', async () => {
    const t = runtime();
    const created = await t.api('POST', '/v1/agents', { body: { agentId: 'listener' } });
    const agent = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: created.body.agentKey, agentId: 'listener', instanceId: 'i-1', heartbeatIntervalMs: 30_000 });
    agent.on('error', () => undefined);
    try {
      await agent.start();
      await waitFor(async () => (await t.api('GET', '/v1/agents/listener')).body.instanceList?.[0]?.connected === true, { what: 'the connection' });
      expect((await t.api('POST', '/v1/agents/listener/kill', { body: { reason: 'stop' } })).status).toBe(200);
      const denial = await waitFor(() => denialsOf('WebSocket/PushWorker')[0], { what: 'the push worker\'s refused post' });
      expect(denial).toMatchObject({
        action: 'execute-api:ManageConnections',
        resource: expect.stringMatching(/^arn:aws:execute-api:local-1:000000000000:local\/local\/POST\/@connections\/.+/),
      });
    } finally {
      await agent.close();
    }
  });
});
