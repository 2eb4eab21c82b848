import { actionKillRequestSchema } from '../../sdk/protocol/schemas';
import { killAction } from '../domain/fleet-actions';
import { defineRoute } from '../edge/http/define-route';

export const killActionRoute = defineRoute(
  'killAction',
  { summary: 'Refuse an action glob for every agent in every region', body: actionKillRequestSchema },
  async ({ ctx, caller, body }) => ({ body: await killAction(ctx, caller, { action: body.action, reason: body.reason }) }),
);

export const handler = killActionRoute.handler;
