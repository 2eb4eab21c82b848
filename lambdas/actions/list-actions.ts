import { listKilledActions } from '../domain/fleet-actions';
import { defineRoute } from '../edge/http/define-route';

export const listActionsRoute = defineRoute('listActions', { summary: 'Actions killed fleet-wide' }, async ({ ctx }) => ({
  body: await listKilledActions(ctx),
}));

export const handler = listActionsRoute.handler;
