import { createKeyRequestSchema } from '../../sdk/protocol/schemas';
import { createKey } from '../domain/api-keys';
import { defineRoute } from '../edge/http/define-route';

export const createKeyRoute = defineRoute('createKey', { summary: 'Create an API key; the key is in the answer, once', status: 201, body: createKeyRequestSchema }, async ({ ctx, body }) => ({
  status: 201,
  body: await createKey(ctx, body),
}));

export const handler = createKeyRoute.handler;
