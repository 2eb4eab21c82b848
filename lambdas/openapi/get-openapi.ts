import { defineRoute, type DefinedRoute } from '../edge/http/define-route';
import { REST_ROUTES } from '../edge/rest-routes';
import { buildOpenApiDocument } from './openapi-document';

let document: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document, generated from the same schemas that validate requests. */
export const openApiRoute: DefinedRoute = defineRoute('openapi', { anonymous: true, summary: 'This API as an OpenAPI 3.1 document' }, async () => {
  document ??= buildOpenApiDocument([...REST_ROUTES, openApiRoute]);
  return { body: document };
});

export const handler = openApiRoute.handler;
