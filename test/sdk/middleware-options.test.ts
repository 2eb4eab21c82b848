/**
 * haltMiddleware() with no options in a protected function: what `protect` put in the
 * environment fills them in; what is still missing is named, with its variable, at cold start.
 */
import { resolveMiddlewareOptions } from '../../sdk/middleware';

const protectedEnv = { HALT_URL: 'https://api.example/v1', HALT_AGENT_ID: 'email-campaign', HALT_STATE_TABLE: 'halt-state', HALT_AGENT_KEY: 'halt_agent_key' };

describe('resolveMiddlewareOptions', () => {
  it('takes the API, the agent, the key and the table (direct reads) from the environment', () => {
    expect(resolveMiddlewareOptions({}, protectedEnv)).toMatchObject({
      url: 'https://api.example/v1',
      agentId: 'email-campaign',
      key: 'halt_agent_key',
      direct: { tableName: 'halt-state' },
      cacheTtlMs: 1_000,
      reportIntervalMs: 60_000,
      reportOnShutdown: false,
    });
    // inside Lambda the last counts go when it shuts the container down
    expect(resolveMiddlewareOptions({}, { ...protectedEnv, AWS_LAMBDA_FUNCTION_NAME: 'mailer' }).reportOnShutdown).toBe(true);
    expect(resolveMiddlewareOptions({ reportOnShutdown: false }, { ...protectedEnv, AWS_LAMBDA_FUNCTION_NAME: 'mailer' }).reportOnShutdown).toBe(false);
  });

  it('lets options win, and direct: false keep REST reads though the table is known', () => {
    const resolved = resolveMiddlewareOptions({ agentId: 'other', cacheTtlMs: 5_000, direct: false }, protectedEnv);
    expect(resolved).toMatchObject({ agentId: 'other', cacheTtlMs: 5_000 });
    expect(resolved.direct).toBeUndefined();
    // a client of one's own, the table still from the environment
    expect(resolveMiddlewareOptions({ direct: { region: 'eu-west-1' } }, protectedEnv).direct).toEqual({ region: 'eu-west-1', tableName: 'halt-state' });
    // no table anywhere: REST
    expect(resolveMiddlewareOptions({}, { ...protectedEnv, HALT_STATE_TABLE: undefined }).direct).toBeUndefined();
  });

  it.each([
    ['url', 'HALT_URL'],
    ['agentId', 'HALT_AGENT_ID'],
    ['key', 'HALT_AGENT_KEY'],
  ] as const)('names %s and %s when neither is given', (option, variable) => {
    expect(() => resolveMiddlewareOptions({}, { ...protectedEnv, [variable]: undefined })).toThrow(`haltMiddleware: ${option} is missing: pass { ${option} } or set ${variable}`);
  });

  it('refuses direct reads with no table to read', () => {
    expect(() => resolveMiddlewareOptions({ direct: {} }, { ...protectedEnv, HALT_STATE_TABLE: undefined })).toThrow('direct.tableName is missing');
  });
});
