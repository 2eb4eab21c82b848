/**
 * The local REST gateway listens before the runtime has finished starting; until it is told
 * the control plane is ready, every API request (health included) answers 503 `starting`.
 */
import type { RouteId } from '../../../lambdas/edge/route-table';
import { startHttpGateway, type HttpGatewayOptions } from '../../../infra/local/http-gateway';

describe('local REST gateway while starting', () => {
  it('answers 503 starting with Retry-After until ready, then serves the route', async () => {
    const served: string[] = [];
    const health: HttpGatewayOptions['handlers'][RouteId] = async () => {
      served.push('health');
      return { statusCode: 200, body: JSON.stringify({ ok: true, region: 'local-1' }) };
    };
    const handlers = new Proxy({} as HttpGatewayOptions['handlers'], { get: () => health });
    const authorizer = (async () => ({
      principalId: 'anonymous',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
      context: {},
    })) as unknown as HttpGatewayOptions['authorizer'];
    const gateway = await startHttpGateway({ region: 'local-1', port: 0, handlers, authorizer, onError: () => undefined });
    try {
      const early = await fetch(`${gateway.url}/v1/health`);
      expect(early.status).toBe(503);
      expect(early.headers.get('retry-after')).toBe('1');
      expect(await early.json()).toEqual({ error: { code: 'starting', message: expect.stringContaining('still starting') } });
      expect(served).toEqual([]);
      gateway.ready();
      const later = await fetch(`${gateway.url}/v1/health`);
      expect(later.status).toBe(200);
      expect(served).toEqual(['health']);
    } finally {
      await gateway.stop();
    }
  });
});
