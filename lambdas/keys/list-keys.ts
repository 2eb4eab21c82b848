import { listKeys } from '../core/api-keys';
import { defineRoute } from '../http/define-route';

export const listKeysRoute = defineRoute('listKeys', { summary: 'List API keys (never the secrets)',}, async ({ ctx }) => ({ body: { keys: await listKeys(ctx) } }));

export const handler = listKeysRoute.handler;
