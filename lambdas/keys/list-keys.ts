import { listKeys } from '../domain/api-keys';
import { defineRoute } from '../edge/http/define-route';

export const listKeysRoute = defineRoute('listKeys', { summary: 'List API keys (never the secrets)',}, async ({ ctx }) => ({ body: { keys: await listKeys(ctx) } }));

export const handler = listKeysRoute.handler;
