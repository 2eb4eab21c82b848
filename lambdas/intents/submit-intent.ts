import { agentPathSchema, intentRequestSchema } from '../../sdk/protocol/schemas';
import { submitIntent } from '../domain/gateway';
import { defineRoute } from '../edge/http/define-route';

export const submitIntentRoute = defineRoute(
  'submitIntent',
  { summary: 'Ask the gateway before acting', status: 202, path: agentPathSchema, body: intentRequestSchema },
  async ({ ctx, deps, caller, path, body }) => {
    const accepted = await submitIntent(ctx, caller, path.agentId, body);
    // An intent addressed to another agent is handed to that agent's connected instances.
    if (body.to !== undefined && body.to !== path.agentId && deps.notifier) {
      await deps.notifier.pushToAgent(body.to, {
        type: 'intent',
        intentId: accepted.intentId,
        from: path.agentId,
        fromInstanceId: body.instanceId,
        action: body.action,
        ...(body.costUsd !== undefined ? { costUsd: body.costUsd } : {}),
        ...(body.payload !== undefined ? { payload: body.payload } : {}),
        at: ctx.now().toISOString(),
      });
    }
    return { status: 202, body: accepted };
  },
);

export const handler = submitIntentRoute.handler;
