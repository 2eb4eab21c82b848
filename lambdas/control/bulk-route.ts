/** Kill, pause or resume many agents at once: by tags (all of them) or every agent. */
import { bulkKillRequestSchema } from '../../sdk/protocol/schemas';
import type { ControlAction } from '../domain/agent-state';
import { bulkChange } from '../domain/control';
import { defineRoute } from '../edge/http/define-route';
import type { RouteId } from '../edge/route-table';

const VERB = { kill: 'Kill', pause: 'Pause', resume: 'Resume' } as const;

export const bulkRoute = (routeId: RouteId, action: ControlAction) =>
  defineRoute(
    routeId,
    { summary: `${VERB[action]} every agent carrying all the tags, or all agents`, body: bulkKillRequestSchema },
    async ({ ctx, caller, body, timeLeftMs }) => ({
      body: await bulkChange(ctx, {
        action,
        timeLeftMs,
        reason: body.reason,
        actor: caller.name,
        ...(body.tags ? { tags: body.tags } : {}),
        ...(body.all ? { all: true } : {}),
      }),
    }),
  );
