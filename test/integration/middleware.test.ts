/**
 * The middy middleware in a real middy chain against the local runtime: it runs the handler
 * while the agent is active, refuses after a kill (within the cache time), runs again after
 * resume, counts successes and failures, and fails closed when the control plane is gone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  /**
   * A control plane whose first answer takes `firstDelayMs`, as a cold authorizer and a cold
   * heartbeat route do one after the other; every later request is forwarded at once.
   */
  const coldControlPlane = async (firstDelayMs: number) => {
    let first = true;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const delay = first ? firstDelayMs : 0;
        first = false;
        setTimeout(() => {
          const url = `${t.runtime.restUrl.replace(/\/v1$/, '')}${req.url ?? '/'}`;
          const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => ['authorization', 'content-type'].includes(k))) as Record<string, string>;
          fetch(url, { method: req.method ?? 'GET', headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
            .then(async (answer) => {
              res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
              res.end(Buffer.from(await answer.arrayBuffer()));
            })
            .catch(() => {
              res.writeHead(502);
              res.end();
            });
        }, delay);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  };

  it('waits out the control plane\'s cold start on a container\'s first call (3 s, over the 2 s read timeout)', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'cold-start' });
    const cold = await coldControlPlane(3_000);
    try {
      let ran = 0;
      const handler = middy(async () => {
        ran++;
        return 'ran';
      }).use(haltMiddleware({ url: cold.url, key: agentKey, agentId: 'cold-start' }));
      await expect(invoke(handler)).resolves.toBe('ran');
      expect(ran).toBe(1);
    } finally {
      await cold.close();
    }
  });

  it('bounds the first call\'s wait by what the invocation has left', async () => {
    const { agentKey } = await operator.createAgent({ agentId: 'cold-and-short' });
    const cold = await coldControlPlane(8_000);
    try {
      const handler = middy(async () => 'ran').use(haltMiddleware({ url: cold.url, key: agentKey, agentId: 'cold-and-short' }));
      // 2.5 s left: the read may take 2 s (the answer needs its margin), so it gives up
      const started = Date.now();
      await expect(handler({}, lambdaContext({ functionName: 'agent', region: 'local-1', timeoutMs: 2_500 }))).rejects.toMatchObject({ name: 'AgentStoppedError', status: 'unreachable' });
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await cold.close();
    }
  });
});
