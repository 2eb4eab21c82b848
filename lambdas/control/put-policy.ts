import { agentPathSchema, policySchema } from '../../sdk/protocol/schemas';
import { setPolicy } from '../domain/control';
import { defineRoute } from '../edge/http/define-route';

export const putPolicyRoute = defineRoute('putPolicy', { summary: "Replace the agent's policy", path: agentPathSchema, body: policySchema }, async ({ ctx, caller, path, body }) => ({
  body: await setPolicy(ctx, { agentId: path.agentId, policy: body, actor: caller.name }),
}));

export const handler = putPolicyRoute.handler;
