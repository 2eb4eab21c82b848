/** `npm run openapi`: write docs/openapi.json from the route table and request schemas. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiRoute } from '../../lambdas/openapi/get-openapi';
import { buildOpenApiDocument } from '../../lambdas/openapi/openapi-document';
import { REST_ROUTES } from '../../lambdas/edge/rest-routes';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'docs', 'openapi.json');

export const renderOpenApi = (): string => `${JSON.stringify(buildOpenApiDocument([...REST_ROUTES, openApiRoute]), null, 2)}\n`;

if (require.main === module) {
  writeFileSync(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}
