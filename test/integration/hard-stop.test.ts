/**
 * The hard stop against the Lambda stand-in, through the real @aws-sdk/client-lambda: a kill
 * sets the agent's functions' reserved concurrency to 0 and resume restores what each had.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBusEvents, startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

const SENDER = 'arn:aws:lambda:us-east-1:123456789012:function:email-sender';
const PLANNER = 'arn:aws:lambda:eu-west-1:123456789012:function:email-planner';

describe('hard stop (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime({ hardStopFunctionArns: [SENDER, PLANNER] });
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

  it('tells the instances first, brakes what it can, and reports (never retries on) a function it cannot brake', async () => {
    // GIVEN an agent naming two functions, one of which was deleted since
    await t.api('POST', '/v1/agents', { body: { agentId: 'half-gone', policy: { hardStop: { functions: [PLANNER, SENDER] } } } });
    t.runtime.lambda.deleteFunction(PLANNER);
    t.runtime.lambda.preset(SENDER, 7);
    // WHEN it is killed
    const kill = await t.api('POST', '/v1/agents/half-gone/kill', { body: { reason: 'stop' } });
    expect(kill.status).toBe(200);
    // THEN the function that exists is braked, and the failure is on the bus, once
    await waitFor(async () => (t.runtime.lambda.concurrency.get(SENDER) === 0) || undefined, { what: 'sender braked' });
    const failures = await waitFor(async () => {
      const events = readBusEvents(t.runtime.eventsFile, 'HardStopFailed').filter((e) => e.detail.agentId === 'half-gone');
      return events.length > 0 ? events : undefined;
    }, { what: 'HardStopFailed on the bus' });
    expect(failures).toHaveLength(1);
    expect(failures[0].detail).toMatchObject({ action: 'braked', version: kill.body.version, failed: [{ functionArn: PLANNER, error: expect.stringContaining('ResourceNotFoundException') }] });
    // AND the stream goes on: the resume after it is processed and the sender gets its 7 back
    await t.api('POST', '/v1/agents/half-gone/resume', { body: { reason: 'fixed' } });
    await waitFor(async () => (t.runtime.lambda.concurrency.get(SENDER) === 7) || undefined, { what: 'sender released' });
    await t.runtime.streamIdle();
    expect(readBusEvents(t.runtime.eventsFile, 'HardStopFailed').filter((e) => e.detail.agentId === 'half-gone')).toHaveLength(1);
  });

  it('refuses, when the policy is set, a function this deployment may not brake', async () => {
    const stranger = 'arn:aws:lambda:us-east-1:123456789012:function:payroll';
    const created = await t.api('POST', '/v1/agents', { body: { agentId: 'reaches-too-far', policy: { hardStop: { functions: [SENDER, stranger] } } } });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/^body\.policy\.hardStop\.functions\.1: arn:aws:lambda:us-east-1:123456789012:function:payroll is not a function this deployment may brake; add it to the stack's hardStopFunctionArns/);
    await t.api('POST', '/v1/agents', { body: { agentId: 'plain' } });
    const put = await t.api('PUT', '/v1/agents/plain/policy', { body: { hardStop: { functions: [stranger] } } });
    expect(put.status).toBe(400);
    expect(put.body.error.message).toMatch(/^body\.hardStop\.functions\.0: .* is not a function this deployment may brake/);
    expect((await t.api('PUT', '/v1/agents/plain/policy', { body: { hardStop: { functions: [PLANNER] } } })).status).toBe(200);
  });

  it('refuses a function that is not a Lambda ARN', async () => {
    const res = await t.api('POST', '/v1/agents', { body: { agentId: 'bad-arn', policy: { hardStop: { functions: ['email-sender'] } } } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/body\.policy\.hardStop\.functions\.0: must be a Lambda function ARN/);
  });
});
