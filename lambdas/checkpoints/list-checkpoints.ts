import { agentPathSchema } from '../../sdk/protocol/schemas';
import { listCheckpoints } from '../domain/checkpoints';
import { defineRoute } from '../edge/http/define-route';

export const listCheckpointsRoute = defineRoute('listCheckpoints', { summary: "List the agent's checkpoints", path: agentPathSchema }, async ({ ctx, path }) => ({
  body: await listCheckpoints(ctx, path.agentId),
}));

export const handler = listCheckpointsRoute.handler;
