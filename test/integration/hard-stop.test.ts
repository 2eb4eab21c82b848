/**
 * The hard stop against the Lambda stand-in, through the real @aws-sdk/client-lambda: a kill
 * sets the agent's functions' reserved concurrency to 0 and resume restores what each had.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

const SENDER = 'arn:aws:lambda:us-east-1:123456789012:function:email-sender';
const PLANNER = 'arn:aws:lambda:eu-west-1:123456789012:function:email-planner';

describe('hard stop (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime();
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it('brakes the named functions on kill and gives each its previous setting back on resume', async () => {
    // GIVEN an agent naming two functions, one with a reserved concurrency of 25 already
    t.runtime.lambda.preset(SENDER, 25);
    await t.api('POST', '/v1/agents', { body: { agentId: 'lambda-mailer', policy: { hardStop: { functions: [SENDER, PLANNER] } } } });

    // WHEN it is killed THEN both are braked to 0
    await t.api('POST', '/v1/agents/lambda-mailer/kill', { body: { reason: 'stop the lambdas too' } });
    await waitFor(async () => (t.runtime.lambda.concurrency.get(SENDER) === 0 && t.runtime.lambda.concurrency.get(PLANNER) === 0) || undefined, {
      what: 'reserved concurrency 0',
    });

    // WHEN it is resumed THEN the sender gets 25 back and the planner its "no setting"
    await t.api('POST', '/v1/agents/lambda-mailer/resume', { body: { reason: 'fixed' } });
    await waitFor(async () => (t.runtime.lambda.concurrency.get(SENDER) === 25 && !t.runtime.lambda.concurrency.has(PLANNER)) || undefined, {
      what: 'settings restored',
    });

    // AND the calls went through the Lambda API, in order, recorded by the stand-in
    const calls = readFileSync(join(t.stateDir, 'lambda-calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const sender = calls.filter((c) => c.functionArn === SENDER).map((c) => [c.call, c.value]);
    expect(sender).toEqual([
      ['GetFunctionConcurrency', 25],
      ['PutFunctionConcurrency', 0],
      ['PutFunctionConcurrency', 25],
    ]);
    expect(calls.filter((c) => c.functionArn === PLANNER).map((c) => c.call)).toEqual([
      'GetFunctionConcurrency',
      'PutFunctionConcurrency',
      'DeleteFunctionConcurrency',
    ]);
  });

  it('refuses a function that is not a Lambda ARN', async () => {
    const res = await t.api('POST', '/v1/agents', { body: { agentId: 'bad-arn', policy: { hardStop: { functions: ['email-sender'] } } } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/body\.policy\.hardStop\.functions\.0: must be a Lambda function ARN/);
  });
});
