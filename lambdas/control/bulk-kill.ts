import { bulkKillRequestSchema } from '../../sdk/protocol/schemas';
import { bulkKill } from '../core/control';
import { defineRoute } from '../http/define-route';

export const bulkKillRoute = defineRoute('bulkKill', { body: bulkKillRequestSchema }, async ({ ctx, caller, body }) => ({
  body: await bulkKill(ctx, {
    reason: body.reason,
    actor: caller.name,
    ...(body.tags ? { tags: body.tags } : {}),
    ...(body.all ? { all: true } : {}),
  }),
}));

export const handler = bulkKillRoute.handler;
