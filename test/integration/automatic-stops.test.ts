/**
 * A kill decided by a policy (a breached budget) reaches connected instances at once, from the
 * call that decided it, like an operator's: not a second later through the stream. To show
 * where the push comes from, the stream consumer here may not push at all (its
 * `ManageConnections` and push-worker grants taken away).
 */
import { HaltAgent } from '../../sdk/agent';
import { stackPolicies } from '../../infra/local/iam/local-iam';
import { withoutGrant } from '../support/iam';
import { useTestRuntime, waitFor } from '../support/local-runtime';

describe('automatic stops are pushed at once (local runtime)', () => {
  let policies = stackPolicies();
  policies = withoutGrant(policies, 'Pipeline/Consumer', 'execute-api:ManageConnections');
  policies = withoutGrant(policies, 'Pipeline/Consumer', 'lambda:InvokeFunction');
  // Warm, as `npm start` runs: a cold local Lambda environment takes about a second to load.
  const runtime = useTestRuntime({ iamPolicies: policies, expectAccessDenials: true, warm: true, onError: () => undefined });
  const agents: HaltAgent[] = [];

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
  });

  it('tells both connected instances of a budget kill from the breaching intent itself, not the stream', async () => {
    const t = runtime();
    const { agentKey } = (await t.api('POST', '/v1/agents', { body: { agentId: 'spender', policy: { budget: { maxIntentsPerDay: 2, onBreach: 'kill' } } } })).body as { agentKey: string };
    const killedAt: number[] = [];
    for (const instanceId of ['i-1', 'i-2']) {
      const agent = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: agentKey, agentId: 'spender', instanceId, heartbeatIntervalMs: 60_000 });
      agent.on('error', () => undefined);
      agent.on('kill', () => killedAt.push(performance.now()));
      agents.push(agent);
      await agent.start();
    }
    await waitFor(async () => (await t.api('GET', '/v1/agents/spender')).body.instanceList.filter((i: { connected: boolean }) => i.connected).length === 2, { what: 'two connections' });
    const intent = () => t.api('POST', '/v1/agents/spender/intents', { key: agentKey, body: { instanceId: 'i-1', action: 'email.send' } });
    expect((await intent()).status).toBe(202);
    expect((await intent()).status).toBe(202);

    const breachedAt = performance.now();
    const breach = await intent();
    expect(breach.body.error.code).toBe('budget_exceeded');
    // Only the intent call can have told them: every push of the consumer is refused here, and the
    // first reminder is queued 15 s after the change. How fast it is, is measured in bench/.
    await waitFor(() => killedAt.length === 2 || undefined, { what: 'both instances told', ceilingMs: 10_000 });
    for (const at of killedAt) expect(at - breachedAt).toBeLessThan(10_000);
  });
});
