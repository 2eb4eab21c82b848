/** An agent cut off from the control plane fails closed (aborts) — or stays open if its policy says so. */
import { HaltAgent } from '../../sdk/agent';
import { AgentStoppedError } from '../../sdk/errors';
import { HaltClient } from '../../sdk/operator-client';
import { startTestRuntime } from '../support/local-runtime';

describe('fail mode (local runtime)', () => {
  it('aborts a closed agent and keeps an open one running when the runtime stops', async () => {
    const t = await startTestRuntime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const closedKey = (await operator.createAgent({ agentId: 'careful' })).agentKey;
    const openKey = (await operator.createAgent({ agentId: 'bold', policy: { failMode: 'open' } })).agentKey;
    const make = (agentId: string, key: string) =>
      new HaltAgent({
        url: t.runtime.restUrl,
        wsUrl: t.runtime.wsUrl,
        key,
        agentId,
        instanceId: 'i-1',
        heartbeatIntervalMs: 100,
        // generous for a loaded CI machine (a fresh runtime's first calls can take over a second);
        // the runtime's absence is seen at once, as refused connections, so no short timeout is needed
        failClosedAfterMs: 3_000,
        reconnect: { minDelayMs: 50, maxDelayMs: 100 },
      });
    const careful = make('careful', closedKey);
    const bold = make('bold', openKey);
    for (const agent of [careful, bold]) agent.on('error', () => undefined);
    try {
      await careful.start();
      await bold.start();
      expect(careful.signal.aborted).toBe(false);

      // WHEN the control plane goes away
      const unreachable = new Promise((resolve) => careful.once('unreachable', resolve));
      await t.stop();
      await unreachable;

      // THEN the closed agent stopped itself, and the open one did not
      expect(careful.signal.aborted).toBe(true);
      expect(careful.signal.reason).toBeInstanceOf(AgentStoppedError);
      expect((careful.signal.reason as AgentStoppedError).status).toBe('unreachable');
      expect(careful.status).toBe('unreachable');
      expect(bold.signal.aborted).toBe(false);
    } finally {
      await careful.close().catch(() => undefined);
      await bold.close().catch(() => undefined);
      await t.dispose().catch(() => undefined);
    }
  });
});
