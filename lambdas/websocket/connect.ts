import { connectionFromAuthorizer, defineSocketRoute } from '../edge/websocket/define-socket-route';

/**
 * `$connect`: remember who connected (the authorizer already decided they may). An agent
 * instance's connection is also its presence on the global table: while it holds it, it is
 * heartbeating in every region's eyes, without a message or a write per heartbeat.
 */
export const connectRoute = defineSocketRoute('$connect', async ({ deps, event }) => {
  const now = deps.ctx.now();
  const connection = connectionFromAuthorizer(event, now);
  await deps.connections.put(connection);
  if (connection.agentId && connection.instanceId) {
    await deps.ctx.repository.connectInstance({
      agentId: connection.agentId,
      instanceId: connection.instanceId,
      region: deps.ctx.region,
      connectionId: connection.connectionId,
      at: now.toISOString(),
    });
  }
});

export const handler = connectRoute.handler;
