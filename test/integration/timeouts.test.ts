/**
 * Each local function runs under its configured timeout, as Lambda runs it: an invocation past
 * it fails, and API Gateway answers 502 for a REST route whose function timed out. (The stack's
 * timeouts are 10 s and more; one function's is shortened here so a test can pass it.)
 */
import { useTestRuntime } from '../support/local-runtime';

describe('function timeouts (local runtime)', () => {
  const errors: Error[] = [];
  const t = useTestRuntime({ functionTimeoutsMs: { 'Rest/ListAgents': 1, 'Rest/BulkPause': 3_000 }, onError: (error) => errors.push(error) });

  it('fails an invocation past its function\'s timeout with a 502, and only that function\'s', async () => {
    const listed = await t().api('GET', '/v1/agents');
    expect(listed.status).toBe(502);
    expect(listed.body.error.code).toBe('internal_error');
    expect(errors.map((e) => `${e.name}: ${e.message}`)).toContainEqual(expect.stringMatching(/^Sandbox\.Timedout: halt-Rest-ListAgents-local-1: Task timed out after 0\.00 seconds$/));
    // Other functions keep the stack's timeouts.
    expect((await t().api('POST', '/v1/agents', { body: { agentId: 'timely' } })).status).toBe(201);
    expect((await t().api('GET', '/v1/agents/timely')).status).toBe(200);
  });

  it('gives each handler the deadline of its own function', async () => {
    for (const agentId of ['drill-1', 'drill-2']) await t().api('POST', '/v1/agents', { body: { agentId, tags: ['drill'] } });
    // A bulk change starts no agent with under 3 s left: with a 3 s timeout it answers at once, none started.
    const paused = await t().api('POST', '/v1/pause', { body: { reason: 'drill', tags: ['drill'] } });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ complete: false, agents: [] });
    expect([...paused.body.remaining].sort()).toEqual(['drill-1', 'drill-2']);
    // The kill function keeps the stack's 29 s: the same call completes.
    const killed = await t().api('POST', '/v1/kill', { body: { reason: 'drill', tags: ['drill'] } });
    expect(killed.body).toMatchObject({ complete: true, remaining: [] });
    expect(killed.body.agents).toHaveLength(2);
  });
});
