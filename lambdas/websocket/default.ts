import { ValidationError } from '../domain/errors';
import { defineSocketRoute, messageBody } from '../edge/websocket/define-socket-route';

/** `$default`: a message whose `action` no route takes. */
export const defaultRoute = defineSocketRoute('$default', async ({ event }) => {
  const body = messageBody(event) as { action?: unknown } | null;
  const action = body && typeof body === 'object' ? body.action : undefined;
  throw new ValidationError(`action: ${action === undefined ? 'is required' : `"${String(action)}" is unknown`}; use "ack" or "heartbeat"`);
});

export const handler = defaultRoute.handler;
