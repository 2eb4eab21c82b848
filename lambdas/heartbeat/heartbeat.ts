import { agentPathSchema, heartbeatRequestSchema } from '../../sdk/protocol/schemas';
import { recordHeartbeat } from '../domain/heartbeat';
import { defineRoute } from '../edge/http/define-route';

export const heartbeatRoute = defineRoute('heartbeat', { summary: 'Register or refresh an instance; the answer says what the agent should do', path: agentPathSchema, body: heartbeatRequestSchema }, async ({ ctx, path, body }) => ({
  body: await recordHeartbeat(ctx, path.agentId, body),
}));

export const handler = heartbeatRoute.handler;
