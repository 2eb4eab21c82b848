import { keyPathSchema } from '../../sdk/protocol/schemas';
import { revokeKey } from '../domain/api-keys';
import { defineRoute } from '../edge/http/define-route';

export const deleteKeyRoute = defineRoute('deleteKey', { summary: 'Revoke an API key', status: 204, path: keyPathSchema }, async ({ ctx, path }) => {
  await revokeKey(ctx, path.keyId);
  return { status: 204 };
});

export const handler = deleteKeyRoute.handler;
