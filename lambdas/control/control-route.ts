/** Kill, pause and resume share one shape: `{reason, expectedVersion?}` in, `ControlResult` out. */
import { agentPathSchema, controlRequestSchema } from '../../sdk/protocol/schemas';
import type { ControlAction } from '../core/agent-state';
import { changeStatus } from '../core/control';
import { controlMessage } from '../core/notifier';
import { defineRoute } from '../http/define-route';
import type { RouteId } from '../route-table';

export const controlRoute = (routeId: RouteId, action: ControlAction) =>
  defineRoute(routeId, { summary: `${action.charAt(0).toUpperCase()}${action.slice(1)} an agent: every instance is told at once`, path: agentPathSchema, body: controlRequestSchema }, async ({ ctx, deps, caller, path, body }) => {
    const result = await changeStatus(ctx, {
      agentId: path.agentId,
      action,
      reason: body.reason,
      actor: caller.name,
      ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
    });
    const { agent, ...reply } = result;
    // Fast path: this region's connections hear it now; the stream consumer tells every region.
    const pushed = deps.notifier ? await deps.notifier.pushToAgent(agent.agentId, controlMessage(agent)) : 0;
    return { body: { ...reply, pushed } };
  });
