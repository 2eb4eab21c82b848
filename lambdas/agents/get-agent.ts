import { agentPathSchema } from '../../sdk/protocol/schemas';
import { getAgent } from '../domain/agents';
import { defineRoute } from '../edge/http/define-route';

export const getAgentRoute = defineRoute('getAgent', { summary: 'One agent with its instances', path: agentPathSchema }, async ({ ctx, path }) => ({
  body: await getAgent(ctx, path.agentId),
}));

export const handler = getAgentRoute.handler;
