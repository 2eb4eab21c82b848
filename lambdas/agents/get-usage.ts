import { agentPathSchema, usageQuerySchema } from '../../sdk/protocol/schemas';
import { getUsageHistory } from '../domain/agents';
import { defineRoute } from '../edge/http/define-route';

export const getUsageRoute = defineRoute(
  'getUsage',
  { summary: 'Intents and cost per day (up to 35 days)', path: agentPathSchema, query: usageQuerySchema },
  async ({ ctx, path, query }) => ({ body: await getUsageHistory(ctx, path.agentId, query.days ?? 14) }),
);

export const handler = getUsageRoute.handler;
