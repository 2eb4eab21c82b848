import { defineSocketRoute } from '../edge/websocket/define-socket-route';

/**
 * `$disconnect`: forget the connection, and end the instance's presence (its health ages from
 * now) unless it has already reconnected on a newer connection.
 */
export const disconnectRoute = defineSocketRoute('$disconnect', async ({ deps, connectionId }) => {
  const connection = await deps.connections.get(connectionId);
  await deps.connections.remove(connectionId, connection);
  if (connection?.agentId && connection.instanceId) {
    await deps.ctx.repository.disconnectInstance({
      agentId: connection.agentId,
      instanceId: connection.instanceId,
      connectionId,
      at: deps.ctx.now().toISOString(),
    });
  }
});

export const handler = disconnectRoute.handler;
