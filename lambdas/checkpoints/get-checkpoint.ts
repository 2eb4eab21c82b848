import { checkpointPathSchema } from '../../sdk/protocol/schemas';
import { loadCheckpoint } from '../domain/checkpoints';
import { defineRoute } from '../edge/http/define-route';

export const getCheckpointRoute = defineRoute('getCheckpoint', { summary: 'Load a checkpoint by name', path: checkpointPathSchema }, async ({ ctx, path }) => ({
  body: await loadCheckpoint(ctx, { agentId: path.agentId, name: path.name }),
}));

export const handler = getCheckpointRoute.handler;
