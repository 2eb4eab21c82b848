import { connectionFromAuthorizer, defineSocketRoute } from './define-socket-route';

/** `$connect`: remember who connected (the authorizer already decided they may). */
export const connectRoute = defineSocketRoute('$connect', async ({ deps, event }) => {
  await deps.connections.put(connectionFromAuthorizer(event, deps.ctx.now()));
});

export const handler = connectRoute.handler;
