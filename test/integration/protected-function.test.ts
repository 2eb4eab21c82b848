/**
 * A function put under Halt by `protect` (issue 15), end to end in the local runtime: its
 * middleware takes everything from the environment `protect` sets, reads its agent directly
 * under its one IAM statement, and runs; the agent's kill brakes the function (reserved
 * concurrency 0, and Lambda then throttles every invocation before the handler is loaded)
 * although the agent's policy names no function; resume gives the function back its setting.
 * Another agent's kill leaves it alone.
 */
import { LambdaClient, InvokeCommand, TooManyRequestsException } from '@aws-sdk/client-lambda';
import middy from '@middy/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessDenial } from '../../infra/local/iam/local-iam';
import { LOCAL_ACCOUNT, lambdaContext } from '../../infra/local/lambda-context';
import { LOCAL_STATE_TABLE } from '../../infra/local/local-region';
import { haltMiddleware } from '../../sdk/middleware';
import { HaltClient } from '../../sdk/operator-client';
import { protectedFunctionClient } from '../support/iam';
import { useTestRuntime, waitFor } from '../support/local-runtime';

const MAILER = `arn:aws:lambda:local-1:${LOCAL_ACCOUNT}:function:email-campaign-mailer`;
const NEWSLETTER = `arn:aws:lambda:local-1:${LOCAL_ACCOUNT}:function:newsletter-sender`;

describe('a protected function (local runtime)', () => {
  const runtime = useTestRuntime({ protectedFunctions: { 'email-campaign': [MAILER], newsletter: [NEWSLETTER] } });
  const denials: AccessDenial[] = [];
  const saved = { ...process.env };

  afterAll(() => {
    for (const name of ['HALT_URL', 'HALT_AGENT_ID', 'HALT_AGENT_KEY', 'HALT_STATE_TABLE']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('is braked by its agent\'s kill and released by its resume, with nothing in the policy', async () => {
    const t = runtime();
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'email-campaign' });
    await operator.createAgent({ agentId: 'newsletter' });

    // GIVEN the environment protect gives the function (and the agent's key), and its handler
    // wrapped with haltMiddleware() and nothing else but the IAM-held client of its role
    Object.assign(process.env, { HALT_URL: t.runtime.restUrl, HALT_AGENT_ID: 'email-campaign', HALT_AGENT_KEY: agentKey, HALT_STATE_TABLE: LOCAL_STATE_TABLE });
    const middleware = haltMiddleware({ direct: { client: protectedFunctionClient(region, 'email-campaign', (d) => denials.push(d)) }, cacheTtlMs: 200 });
    let ran = 0;
    const handler = middy(async (event: { batch: number }) => {
      ran++;
      return { sent: event.batch };
    }).use(middleware);
    t.runtime.lambda.register('email-campaign-mailer', (payload) => handler(payload as { batch: number }, lambdaContext({ functionName: 'email-campaign-mailer', region: 'local-1' })));
    const lambda = new LambdaClient({ region: 'local-1', endpoint: t.runtime.lambda.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const invoke = async (batch: number) => {
      const answer = await lambda.send(new InvokeCommand({ FunctionName: 'email-campaign-mailer', Payload: JSON.stringify({ batch }) }));
      return { functionError: answer.FunctionError, payload: JSON.parse(Buffer.from(answer.Payload ?? []).toString('utf8') || 'null') as unknown };
    };

    // WHEN it is invoked THEN it runs (the status read directly, the container registered over REST)
    expect(await invoke(1)).toEqual({ functionError: undefined, payload: { sent: 1 } });
    expect(ran).toBe(1);
    await waitFor(async () => (await operator.getAgent({ agentId: 'email-campaign' })).instanceList.some((i) => i.instanceId === middleware.instanceId), { what: 'the container registered' });

    // WHEN another protected agent is killed THEN this function is not braked
    await operator.kill({ agentId: 'newsletter', reason: 'its own trouble' });
    await waitFor(() => t.runtime.lambda.concurrency.get(NEWSLETTER) === 0 || undefined, { what: 'the newsletter sender braked' });
    expect(t.runtime.lambda.concurrency.has(MAILER)).toBe(false);
    expect((await invoke(2)).payload).toEqual({ sent: 2 });

    // WHEN its own agent is killed THEN the function is braked, though the policy names no function
    expect((await operator.getAgent({ agentId: 'email-campaign' })).policy.hardStop).toBeUndefined();
    await operator.kill({ agentId: 'email-campaign', reason: 'template breaks the law' });
    await waitFor(() => t.runtime.lambda.concurrency.get(MAILER) === 0 || undefined, { what: 'the mailer braked' });
    // AND Lambda throttles each invocation: the handler is not even started
    const runsBefore = ran;
    const throttled = await invoke(3).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(TooManyRequestsException);
    expect(throttled).toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    expect(ran).toBe(runsBefore);

    // WHEN it is resumed THEN the function gets its "no reserved concurrency" back and runs
    await operator.resume({ agentId: 'email-campaign', reason: 'template fixed' });
    await waitFor(() => !t.runtime.lambda.concurrency.has(MAILER) || undefined, { what: 'the mailer released' });
    await waitFor(async () => ((await invoke(4)).payload as { sent?: number } | null)?.sent === 4 || undefined, { what: 'the mailer running again (its cache expired)' });

    // AND the brake and its release went through the Lambda API, in order
    const calls = readFileSync(join(t.stateDir, 'lambda-calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { call: string; functionArn?: string; functionName?: string; throttled?: boolean });
    expect(calls.filter((c) => c.functionArn === MAILER).map((c) => c.call)).toEqual(['GetFunctionConcurrency', 'PutFunctionConcurrency', 'DeleteFunctionConcurrency']);
    expect(calls.filter((c) => c.functionName === 'email-campaign-mailer' && c.throttled)).toHaveLength(1);
    // AND the function's role never read beyond its agent
    expect(denials).toEqual([]);
  });
});
