/**
 * Counts not yet reported when Lambda shuts a container down (SIGTERM, given when an extension
 * is registered) are reported then, and the process ends as SIGTERM would end it. The
 * container is a process of its own (test/support/lambda-container.ts) in direct mode, whose
 * counts otherwise go over REST once a minute.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HaltClient } from '../../sdk/operator-client';
import { LOCAL_STATE_TABLE } from '../../infra/local/local-region';
import { useTestRuntime, waitFor } from '../support/local-runtime';

describe('the report at shutdown (local runtime)', () => {
  const runtime = useTestRuntime();

  it('hands over the counts of a container Lambda shuts down, then lets it end', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'short-lived' });
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../support/lambda-container.ts')], {
      env: {
        ...process.env,
        AWS_LAMBDA_FUNCTION_NAME: 'short-lived-mailer',
        HALT_URL: t.runtime.restUrl,
        HALT_AGENT_ID: 'short-lived',
        HALT_AGENT_KEY: agentKey,
        HALT_STATE_TABLE: LOCAL_STATE_TABLE,
        HALT_TEST_DYNAMO_ENDPOINT: region.dynamoEndpoint,
        HALT_TEST_SUCCEEDED: '3',
        HALT_TEST_FAILED: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`the container ended before it was ready (exit ${String(code)})`)));
      });
      // GIVEN a container registered at its first read, its counts not due for a minute
      const instance = await waitFor(async () => (await operator.getAgent({ agentId: 'short-lived' })).instanceList[0], { what: 'the container registered' });
      const usage = async () => (await operator.getUsage({ agentId: 'short-lived', days: 1 })).days[0];
      expect((await usage())?.succeeded ?? 0).toBe(0);

      // WHEN Lambda shuts it down
      child.kill('SIGTERM');

      // THEN it ends as SIGTERM ends a process, with its counts reported first
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(await usage()).toMatchObject({ succeeded: 3, failed: 1 });
      expect((await operator.getAgent({ agentId: 'short-lived' })).instanceList[0]?.instanceId).toBe(instance.instanceId);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
