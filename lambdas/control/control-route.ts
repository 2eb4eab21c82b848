/**
 * Kill, pause and resume share one shape: `{reason, expectedVersion?}` in, `ControlResult` out,
 * answered once every region has confirmed the change or the wait (3 s) is over.
 */
import { agentPathSchema, controlRequestSchema } from '../../sdk/protocol/schemas';
import type { ControlAction } from '../domain/agent-state';
import { changeStatusConfirmed } from '../domain/control';
import { defineRoute } from '../edge/http/define-route';
import type { RouteId } from '../edge/route-table';

export const controlRoute = (routeId: RouteId, action: ControlAction) =>
  defineRoute(routeId, { summary: `${action.charAt(0).toUpperCase()}${action.slice(1)} an agent: every instance is told at once`, path: agentPathSchema, body: controlRequestSchema }, async ({ ctx, caller, path, body }) => {
    const { agent: _agent, ...reply } = await changeStatusConfirmed(ctx, {
      agentId: path.agentId,
      action,
      reason: body.reason,
      actor: caller.name,
      repeatPush: true,
      ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
    });
    return { body: reply };
  });
