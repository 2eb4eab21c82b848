/**
 * The OpenAPI 3.1 document of the REST API, generated from the route table and the very zod
 * schemas that validate requests, so it cannot drift from what the API takes.
 */
import { z } from 'zod';
import type { RouteAccess } from '../domain/access';
import type { DefinedRoute } from '../edge/http/define-route';
import { ROUTES, type RouteDefinition } from '../edge/route-table';

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const accessText = (access: RouteAccess): string => {
  if (access.public) return 'No key needed.';
  const who = [...access.roles, ...(access.ownAgent ? ['the agent\'s own key'] : [])];
  return `Keys: ${who.join(', ')}.`;
};

const parameters = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
  if (!schema) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
};

export const buildOpenApiDocument = (routes: readonly DefinedRoute[]): Record<string, unknown> => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...routes].sort((a, b) => a.routeId.localeCompare(b.routeId))) {
    const definition: RouteDefinition = ROUTES[route.routeId];
    const { spec } = route;
    const status = String(spec.status ?? 200);
    const operation: Record<string, unknown> = {
      operationId: route.routeId,
      summary: spec.summary ?? route.routeId,
      description: accessText(definition.access),
      ...(definition.access.public ? { security: [] } : {}),
      parameters: [...parameters('path', spec.path), ...parameters('query', spec.query)],
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } } }
        : {}),
      responses: {
        [status]: status === '204' ? { description: 'Done, no body' } : { description: 'Success', content: { 'application/json': {} } },
        ...(spec.body || spec.path || spec.query ? { '400': errorResponse('Bad input: the message names the field (invalid_request)') } : {}),
        ...(definition.access.public
          ? {}
          : { '401': errorResponse('No key, or an unknown or revoked one'), '403': errorResponse('The key may not do this') }),
        ...(spec.path ? { '404': errorResponse('Unknown id') } : {}),
        '500': errorResponse('A fault on our side; the message names the request id'),
      },
    };
    (paths[definition.path] ??= {})[definition.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Halt API',
      version: '1.0.0',
      description: 'The kill switch for AI agents. Human-readable reference: docs/api.md.',
    },
    servers: [{ url: '/', description: 'This control plane (paths start with /v1)' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Halt API key (halt_…)' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
    },
    paths,
  };
};
