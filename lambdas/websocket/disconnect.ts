import { defineSocketRoute } from './define-socket-route';

/** `$disconnect`: forget the connection. */
export const disconnectRoute = defineSocketRoute('$disconnect', async ({ deps, connectionId }) => {
  await deps.connections.remove(connectionId);
});

export const handler = disconnectRoute.handler;
