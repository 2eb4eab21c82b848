import { checkpointPathSchema, checkpointRequestSchema } from '../../sdk/protocol/schemas';
import { saveCheckpoint } from '../domain/checkpoints';
import { defineRoute } from '../edge/http/define-route';

export const putCheckpointRoute = defineRoute(
  'putCheckpoint',
  { summary: 'Save a checkpoint by name', path: checkpointPathSchema, body: checkpointRequestSchema },
  async ({ ctx, path, body }) => ({ body: await saveCheckpoint(ctx, { agentId: path.agentId, name: path.name, data: body.data }) }),
);

export const handler = putCheckpointRoute.handler;
