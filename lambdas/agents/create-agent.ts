import { createAgentRequestSchema } from '../../sdk/protocol/schemas';
import { createAgent } from '../domain/agents';
import { defineRoute } from '../edge/http/define-route';

export const createAgentRoute = defineRoute('createAgent', { summary: 'Create an agent; its key is in the answer, once', status: 201, body: createAgentRequestSchema }, async ({ ctx, caller, body }) => ({
  status: 201,
  body: await createAgent(ctx, caller, body),
}));

export const handler = createAgentRoute.handler;
