import { ackMessageSchema } from '../../sdk/protocol/messages';
import { ForbiddenError } from '../core/errors';
import { getAgent } from '../core/agents';
import { acknowledge } from '../core/heartbeat';
import { parseWith } from '../http/validation';
import { defineSocketRoute, messageBody } from './define-socket-route';

/** `ack`: the instance has stopped (or resumed) at `version`. */
export const ackRoute = defineSocketRoute('ack', async ({ deps, event, connectionId }) => {
  const message = parseWith(ackMessageSchema, messageBody(event), 'message');
  const connection = await deps.connections.get(connectionId);
  if (!connection?.agentId || !connection.instanceId) throw new ForbiddenError('only agent instances acknowledge versions');
  await acknowledge(deps.ctx, { agentId: connection.agentId, instanceId: connection.instanceId, version: message.version });
  // Watchers (the dashboard) see "N of M stopped" move as instances acknowledge.
  const agentId = connection.agentId;
  await deps.notifier.pushToWatchers(() => getAgent(deps.ctx, agentId));
});

export const handler = ackRoute.handler;
