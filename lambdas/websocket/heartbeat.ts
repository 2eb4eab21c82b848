import { heartbeatMessageSchema } from '../../sdk/protocol/messages';
import { ForbiddenError } from '../core/errors';
import { recordHeartbeat } from '../core/heartbeat';
import { parseWith } from '../http/validation';
import { defineSocketRoute, messageBody } from './define-socket-route';

/** `heartbeat` over the open WebSocket: answered on the same connection, like the REST one. */
export const socketHeartbeatRoute = defineSocketRoute('heartbeat', async ({ deps, event, connectionId }) => {
  const message = parseWith(heartbeatMessageSchema, messageBody(event), 'message');
  const connection = await deps.connections.get(connectionId);
  if (!connection?.agentId || !connection.instanceId) throw new ForbiddenError('only agent instances heartbeat');
  const answer = await recordHeartbeat(deps.ctx, connection.agentId, {
    instanceId: connection.instanceId,
    ...(message.metrics ? { metrics: message.metrics } : {}),
  });
  await deps.notifier.send(connectionId, { type: 'heartbeat', agentId: connection.agentId, ...answer });
});

export const handler = socketHeartbeatRoute.handler;
