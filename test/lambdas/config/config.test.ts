import { ConfigurationError, loadConfig } from '../../../lambdas/config/config';

const base = { AWS_REGION: 'eu-west-1', HALT_STATE_TABLE: 'halt-state', HALT_EVENT_BUS: 'halt-events' };

describe('loadConfig: the push fan-out', () => {
  it('has the AWS defaults: shards of 500, 50 in flight, the caller posts the first shard', () => {
    expect(loadConfig(base).push).toEqual({ shardSize: 500, concurrency: 50, callerShard: true });
  });

  it('reads the settings the stack or the local runtime gives', () => {
    const push = loadConfig({ ...base, HALT_PUSH_SHARD_SIZE: '200', HALT_PUSH_CONCURRENCY: '20', HALT_PUSH_CALLER_SHARD: 'false', HALT_PUSH_WORKER_FUNCTION: ' halt-push ' }).push;
    expect(push).toEqual({ shardSize: 200, concurrency: 20, callerShard: false, workerFunction: 'halt-push' });
  });

  it.each([
    ['HALT_PUSH_CALLER_SHARD', 'no', 'must be true or false, got "no"'],
    ['HALT_PUSH_SHARD_SIZE', '0', 'must be a whole number from 1 to 5000, got "0"'],
    ['HALT_PUSH_CONCURRENCY', '2.5', 'must be a whole number from 1 to 1000, got "2.5"'],
  ])('refuses %s=%s, naming the variable and what it takes', (name, value, message) => {
    const load = () => loadConfig({ ...base, [name]: value });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(`environment variable ${name} ${message}`);
  });
});

describe('loadConfig: stop reminders', () => {
  it('reminds every 15 s unless told to remind more often (API.md: at least every 15 s)', () => {
    expect(loadConfig(base).remindEverySeconds).toBe(15);
    expect(loadConfig({ ...base, HALT_REMIND_EVERY_SECONDS: '3' }).remindEverySeconds).toBe(3);
  });

  it.each(['16', '0', '1.5'])('refuses HALT_REMIND_EVERY_SECONDS=%s: never less often than every 15 s', (value) => {
    expect(() => loadConfig({ ...base, HALT_REMIND_EVERY_SECONDS: value })).toThrow(`environment variable HALT_REMIND_EVERY_SECONDS must be a whole number from 1 to 15, got "${value}"`);
  });
});

describe('loadConfig: functions protect put under an agent', () => {
  it('reads agentId=functionArn pairs, several per agent', () => {
    const config = loadConfig({ ...base, HALT_PROTECTED_FUNCTIONS: 'mailer=arn:aws:lambda:eu-west-1:1:function:a, mailer=arn:aws:lambda:eu-west-1:1:function:b,planner=arn:aws:lambda:eu-west-1:1:function:c' });
    expect(config.protectedFunctions).toEqual({
      mailer: ['arn:aws:lambda:eu-west-1:1:function:a', 'arn:aws:lambda:eu-west-1:1:function:b'],
      planner: ['arn:aws:lambda:eu-west-1:1:function:c'],
    });
    expect(loadConfig(base).protectedFunctions).toEqual({});
  });

  it.each(['mailer', 'mailer=my-function', '=arn:aws:lambda:eu-west-1:1:function:a', 'a=arn:x=y'])('refuses "%s", naming the form it takes', (value) => {
    expect(() => loadConfig({ ...base, HALT_PROTECTED_FUNCTIONS: value })).toThrow('HALT_PROTECTED_FUNCTIONS must be agentId=functionArn pairs');
  });
});
