import { actionResumeRequestSchema } from '../../sdk/protocol/schemas';
import { resumeAction } from '../domain/fleet-actions';
import { defineRoute } from '../edge/http/define-route';

export const resumeActionRoute = defineRoute(
  'resumeAction',
  { summary: 'Lift a fleet-wide action kill', body: actionResumeRequestSchema },
  async ({ ctx, caller, body }) => ({ body: await resumeAction(ctx, caller, body) }),
);

export const handler = resumeActionRoute.handler;
