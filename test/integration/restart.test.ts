/** A restart on the same state dir keeps every agent, key and audit event. */
import { startTestRuntime, waitFor } from '../support/local-runtime';
import { rmSync } from 'node:fs';

describe('restart (local runtime)', () => {
  it('keeps agents, keys and the audit trail across a restart, without doubling audit events', async () => {
    const first = await startTestRuntime();
    const { stateDir, operatorKey } = first;
    let second: Awaited<ReturnType<typeof startTestRuntime>> | undefined;
    try {
      const agentKey = (await first.api('POST', '/v1/agents', { body: { agentId: 'survivor', tags: ['keep'] } })).body.agentKey;
      await first.api('POST', '/v1/agents/survivor/kill', { body: { reason: 'before restart' } });
      await waitFor(async () => (await first.api('GET', '/v1/audit?agentId=survivor')).body.events.length === 2, { what: 'audit before restart' });
      await first.stop();

      const restarted = await startTestRuntime({ stateDir, operatorKey });
      second = restarted;
      const agent = await restarted.api('GET', '/v1/agents/survivor');
      expect(agent.body).toMatchObject({ status: 'killed', version: 2, statusReason: 'before restart', tags: ['keep'] });
      const beat = await restarted.api('POST', '/v1/agents/survivor/heartbeat', { key: agentKey, body: { instanceId: 'i1' } });
      expect(beat.body).toMatchObject({ status: 'killed' });

      await restarted.api('POST', '/v1/agents/survivor/resume', { body: { reason: 'after restart' } });
      const events = await waitFor(async () => {
        const res = await restarted.api('GET', '/v1/audit?agentId=survivor');
        return res.body.events.length >= 3 ? res.body.events : undefined;
      }, { what: 'audit after restart' });
      await restarted.runtime.streamIdle();
      const settled = (await restarted.api('GET', '/v1/audit?agentId=survivor')).body.events;
      expect(settled.map((e: any) => e.type)).toEqual(['resumed', 'killed', 'agent_created']);
      expect(events[0].reason).toBe('after restart');
      expect((await restarted.api('GET', '/v1/audit/verify')).body).toMatchObject({ ok: true, checked: 3 });
    } finally {
      await second?.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
