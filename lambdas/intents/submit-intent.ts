import { agentPathSchema, intentRequestSchema } from '../../sdk/protocol/schemas';
import { submitIntent } from '../core/gateway';
import { defineRoute } from '../http/define-route';

export const submitIntentRoute = defineRoute(
  'submitIntent',
  { path: agentPathSchema, body: intentRequestSchema },
  async ({ ctx, caller, path, body }) => ({ status: 202, body: await submitIntent(ctx, caller, path.agentId, body) }),
);

export const handler = submitIntentRoute.handler;
