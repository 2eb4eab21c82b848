import { ServiceUnavailableError } from '../domain/errors';
import { defineRoute } from '../edge/http/define-route';

/** Unauthenticated liveness that also proves storage answers. */
export const healthRoute = defineRoute('health', { summary: 'Liveness: storage answers', anonymous: true }, async ({ ctx }) => {
  try {
    await ctx.repository.ping();
  } catch (error) {
    throw new ServiceUnavailableError('storage is not reachable yet; retry shortly', { cause: error });
  }
  return { body: { ok: true, region: ctx.region } };
});

export const handler = healthRoute.handler;
