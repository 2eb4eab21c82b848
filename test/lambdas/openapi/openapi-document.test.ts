import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApi } from '../../../infra/scripts/write-openapi';
import { ROUTES } from '../../../lambdas/edge/route-table';

describe('OpenAPI document', () => {
  const document = JSON.parse(renderOpenApi()) as { openapi: string; paths: Record<string, Record<string, any>> };

  it('describes every route the router serves, and nothing else', () => {
    const served = Object.values(ROUTES).map((r) => `${r.method} ${r.path}`).sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(served);
  });

  it('takes request bodies and parameters from the schemas that validate them', () => {
    expect(document.openapi).toBe('3.1.0');
    const kill = document.paths['/v1/agents/{agentId}/kill']?.post;
    expect(kill.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['reason'],
      additionalProperties: false,
      properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
    });
    expect(kill.parameters).toEqual([expect.objectContaining({ name: 'agentId', in: 'path', required: true, schema: expect.objectContaining({ pattern: expect.any(String) }) })]);
    const audit = document.paths['/v1/audit']?.get;
    expect(audit.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['agentId', 'cursor', 'limit']);
    expect(document.paths['/v1/health']?.get.security).toEqual([]);
    expect(document.paths['/v1/agents']?.post.responses).toHaveProperty('201');
  });

  it('is the one written to docs/openapi.json (run `npm run openapi` after changing a route)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi());
  });
});
