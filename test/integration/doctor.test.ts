/**
 * `halt doctor` against the local runtime with two regions: every check holds, each figure is
 * measured, and the throwaway agent is gone afterwards.
 */
import { runCli } from '../support/cli';
import { useTestRuntime } from '../support/local-runtime';

describe('halt doctor (local runtime, two regions)', () => {
  // The bus-outage case makes the stream consumer fail its batches: those errors are expected.
  const runtime = useTestRuntime({ regions: 2, onError: () => undefined });

  const cli = (args: string[]) => runCli(args, { HALT_KEY: runtime().operatorKey });

  it('checks health, replication, the socket, the budget, kill → push and kill → refused in both regions, and the bus; then cleans up', async () => {
    const t = runtime();
    const [first, second] = t.runtime.regions;
    if (!first || !second) throw new Error('two regions expected');
    const result = await cli(['--json', '--url', first.restUrl, 'doctor', '--region', `${first.restUrl}=${first.wsUrl}`, `${second.restUrl}=${second.wsUrl}`]);
    const report = JSON.parse(result.out) as { ok: boolean; agentId: string; checks: { check: string; region?: string; ok: boolean; ms?: number; detail: string }[] };
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(result.code).toBe(0);
    const byName = (check: string) => report.checks.filter((c) => c.check === check);
    for (const check of ['health', 'websocket connect', 'protocol ping/pong', 'keep-alive route', 'kill → push', 'kill → refused']) {
      expect(byName(check).map((c) => c.region)).toEqual(['local-1', 'local-2']);
    }
    for (const check of ['kill → push', 'kill → refused', 'protocol ping/pong']) {
      for (const c of byName(check)) expect(c.ms).toEqual(expect.any(Number));
    }
    expect(byName('replicated')).toEqual([expect.objectContaining({ region: 'local-2', ok: true })]);
    expect(byName('acknowledged')[0]?.detail).toBe('2 of 2 instances stopped');
    expect(byName('events on the bus')[0]?.detail).toBe('AgentKilled and BudgetBreached reached the bus');
    // The throwaway agent is gone.
    expect((await t.api('GET', `/v1/agents/${report.agentId}`)).status).toBe(404);
  });

  it('fails, and says which check, when the bus drops events', async () => {
    const t = runtime();
    const [first] = t.runtime.regions;
    if (!first) throw new Error('a region expected');
    t.runtime.eventSink.failPuts(true);
    try {
      const result = await cli(['--url', first.restUrl, 'doctor', '--ws-url', first.wsUrl, '--wait', '3']);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/FAIL {2}events on the bus/);
      expect(result.out).toMatch(/check\(s\) failed$/);
    } finally {
      t.runtime.eventSink.failPuts(false);
    }
  });

  it('asks for a WebSocket URL it cannot guess', async () => {
    const t = runtime();
    const result = await cli(['--url', t.runtime.restUrl, 'doctor']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--ws-url/);
  });
});
