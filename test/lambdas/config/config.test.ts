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
