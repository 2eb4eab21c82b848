import { agentPathSchema } from '../../sdk/protocol/schemas';
import { getAgent } from '../core/agents';
import { defineRoute } from '../http/define-route';

export const getAgentRoute = defineRoute('getAgent', { summary: 'One agent with its instances', path: agentPathSchema }, async ({ ctx, deps, path }) => ({
  body: await getAgent(ctx, path.agentId, deps.connections ? { connections: deps.connections } : {}),
}));

export const handler = getAgentRoute.handler;
