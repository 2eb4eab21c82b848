/**
 * The middy middleware in a real middy chain against the local runtime: it runs the handler
 * while the agent is active, refuses after a kill (within the cache time), runs again after
 * resume, counts successes and failures, and fails closed when the control plane is gone.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AgentStoppedError } from '../../sdk/errors';
import { haltMiddleware, type HaltLambdaContext } from '../../sdk/middleware';
import { HaltClient } from '../../sdk/operator-client';
import { lambdaContext } from '../../infra/local/lambda-context';
import { startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

type HaltContext = Context & { halt: HaltLambdaContext };

const invoke = <R>(handler: (event: any, context: Context, ...rest: any[]) => Promise<R>, event: unknown = {}) =>
  handler(event, lambdaContext({ functionName: 'agent', region: 'local-1' }));

describe('middy middleware (local runtime)', () => {
  let t: TestRuntime;
  let operator: HaltClient;

  beforeAll(async () => {
    t = await startTestRuntime();
    operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it('runs before a kill, refuses after it, runs again after resume, and reports what ran', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'lambda-agent' });
    const sent: string[] = [];
    const handler = middy(async (event: { batch: string; fail?: boolean }, context: Context) => {
      const { halt } = context as HaltContext;
      await halt.intent('email.send', { costUsd: 0.5 });
      if (event.fail) throw new Error('smtp down');
      sent.push(event.batch);
      return { sent: event.batch, signalAborted: halt.signal.aborted };
    }).use(haltMiddleware({ url: t.runtime.restUrl, key: agentKey, agentId: 'lambda-agent', cacheTtlMs: 100 }));

    // runs while active
    await expect(invoke(handler, { batch: 'b1' })).resolves.toEqual({ sent: 'b1', signalAborted: false });
    await expect(invoke(handler, { batch: 'b2', fail: true })).rejects.toThrow('smtp down');

    // refuses after the kill (once the cached status has aged out)
    await operator.kill({ agentId: 'lambda-agent', reason: 'stop the lambdas' });
    const refusal = await waitFor(async () => {
      try {
        await invoke(handler, { batch: 'b3' });
        return undefined;
      } catch (error) {
        return error instanceof AgentStoppedError ? error : undefined;
      }
    }, { what: 'a refusal' });
    expect(refusal).toMatchObject({ status: 'killed', reason: 'stop the lambdas' });

    // the container acknowledges the kill with its next status read
    const acked = await waitFor(async () => {
      await invoke(handler, { batch: 'b4' }).catch(() => undefined);
      const agent = await operator.getAgent({ agentId: 'lambda-agent' });
      return agent.instances.acknowledged === agent.instances.total ? agent : undefined;
    }, { what: 'the container to acknowledge' });
    expect(acked.instances.total).toBe(1);

    // runs again after resume
    await operator.resume({ agentId: 'lambda-agent', reason: 'fixed' });
    await waitFor(async () => {
      try {
        return (await invoke(handler, { batch: 'b5' })).sent === 'b5';
      } catch {
        return undefined;
      }
    }, { what: 'the handler to run again' });
    expect(sent).toEqual(['b1', 'b5']);

    // the intents went through the gateway (b1, b2 and b5) with their cost
    const agent = await operator.getAgent({ agentId: 'lambda-agent' });
    expect(agent.intentsToday).toBe(3);
    expect(agent.costTodayUsd).toBeCloseTo(1.5, 6);
    // and the status reads carried the units counted so far: b1 succeeded, b2 failed
    const usage = await t.runtime.regions[0]?.deps.ctx.repository.getUsage('lambda-agent', new Date().toISOString().slice(0, 10));
    expect(usage).toMatchObject({ succeeded: 1, failed: 1 });
  });

  it('answers with refusedResponse instead of throwing when configured', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'polite' });
    await operator.kill({ agentId: 'polite', reason: 'no' });
    const handler = middy(async () => ({ statusCode: 200 })).use(
      haltMiddleware({
        url: t.runtime.restUrl,
        key: agentKey,
        agentId: 'polite',
        refusedResponse: (error) => ({ statusCode: 503, body: error.status }),
      }),
    );
    await expect(invoke(handler)).resolves.toEqual({ statusCode: 503, body: 'killed' });
  });

  it('fails closed when the control plane cannot be reached past the limit', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'cut-off' });
    let ran = 0;
    const handler = middy(async () => {
      ran++;
      return 'ran';
    }).use(
      haltMiddleware({
        // nothing listens on port 9: every status read fails
        url: 'http://127.0.0.1:9',
        key: agentKey,
        agentId: 'cut-off',
        failClosedAfterMs: 0,
        timeoutMs: 500,
      }),
    );
    await expect(invoke(handler)).rejects.toMatchObject({ name: 'AgentStoppedError', status: 'unreachable' });
    expect(ran).toBe(0);
  });
});
