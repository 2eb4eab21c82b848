import { heartbeatMessageSchema } from '../../sdk/protocol/messages';
import { ForbiddenError } from '../domain/errors';
import { recordHeartbeat } from '../domain/heartbeat';
import { parseWith } from '../edge/http/validation';
import { defineSocketRoute, messageBody } from '../edge/websocket/define-socket-route';

/**
 * `heartbeat` over the open WebSocket: the SDK sends one when it connects (to learn what it
 * missed) and when it has metrics to report; answered on the same connection, like the REST
 * one. The instance is present by its connection, so nothing but the metrics is written.
 */
export const socketHeartbeatRoute = defineSocketRoute('heartbeat', async ({ deps, event, connectionId }) => {
  const message = parseWith(heartbeatMessageSchema, messageBody(event), 'message');
  const connection = await deps.connections.get(connectionId);
  if (!connection?.agentId || !connection.instanceId) throw new ForbiddenError('only agent instances heartbeat');
  const answer = await recordHeartbeat(deps.ctx, connection.agentId, {
    instanceId: connection.instanceId,
    ...(message.metrics ? { metrics: message.metrics } : {}),
  }, { present: true });
  await deps.notifier.send(connectionId, { type: 'heartbeat', agentId: connection.agentId, ...answer });
});

export const handler = socketHeartbeatRoute.handler;
