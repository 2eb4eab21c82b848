import { bulkKillRequestSchema } from '../../sdk/protocol/schemas';
import { bulkKill } from '../core/control';
import { controlMessage } from '../core/notifier';
import { defineRoute } from '../http/define-route';

export const bulkKillRoute = defineRoute('bulkKill', { summary: 'Kill every agent carrying all the tags, or all agents', body: bulkKillRequestSchema }, async ({ ctx, deps, caller, body }) => {
  const { agents, records } = await bulkKill(ctx, {
    reason: body.reason,
    actor: caller.name,
    ...(body.tags ? { tags: body.tags } : {}),
    ...(body.all ? { all: true } : {}),
  });
  const { notifier } = deps;
  const pushed = notifier ? await Promise.all(records.map((agent) => notifier.pushToAgent(agent.agentId, controlMessage(agent)))) : [];
  return { body: { agents: agents.map((a, i) => ({ ...a, pushed: pushed[i] ?? 0 })) } };
});

export const handler = bulkKillRoute.handler;
