import { listAgentsQuerySchema } from '../../sdk/protocol/schemas';
import { listAgents } from '../domain/agents';
import { defineRoute } from '../edge/http/define-route';

export const listAgentsRoute = defineRoute('listAgents', { summary: 'List agents, optionally those carrying every given tag', query: listAgentsQuerySchema }, async ({ ctx, query }) => {
  const tags = query.tag === undefined ? [] : Array.isArray(query.tag) ? query.tag : [query.tag];
  return { body: { agents: await listAgents(ctx, tags) } };
});

export const handler = listAgentsRoute.handler;
