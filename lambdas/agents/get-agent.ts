import { agentPathSchema } from '../../sdk/protocol/schemas';
import { getAgent } from '../core/agents';
import { defineRoute } from '../http/define-route';

export const getAgentRoute = defineRoute('getAgent', { summary: 'One agent with its instances', path: agentPathSchema }, async ({ ctx, path }) => ({
  body: await getAgent(ctx, path.agentId),
}));

export const handler = getAgentRoute.handler;
