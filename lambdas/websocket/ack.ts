import { ackMessageSchema } from '../../sdk/protocol/messages';
import { ForbiddenError } from '../domain/errors';
import { acknowledge } from '../domain/heartbeat';
import { parseWith } from '../edge/http/validation';
import { connectionFromAuthorizer, defineSocketRoute, messageBody } from '../edge/websocket/define-socket-route';

/**
 * `ack`: the instance has stopped (or resumed) at `version`. Who it is comes from the
 * authorizer's context, which API Gateway passes on every message of the connection, so an
 * acknowledgement reads nothing; watchers see the count move through the stream consumer.
 */
export const ackRoute = defineSocketRoute('ack', async ({ deps, event }) => {
  const message = parseWith(ackMessageSchema, messageBody(event), 'message');
  const connection = connectionFromAuthorizer(event, deps.ctx.now());
  if (!connection.agentId || !connection.instanceId) throw new ForbiddenError('only agent instances acknowledge versions');
  await acknowledge(deps.ctx, { agentId: connection.agentId, instanceId: connection.instanceId, version: message.version });
});

export const handler = ackRoute.handler;
