import { agentPathSchema } from '../../sdk/protocol/schemas';
import { deleteAgent } from '../domain/agents';
import { defineRoute } from '../edge/http/define-route';

export const deleteAgentRoute = defineRoute('deleteAgent', { summary: 'Delete an agent (its audit trail stays)', status: 204, path: agentPathSchema }, async ({ ctx, caller, path }) => {
  await deleteAgent(ctx, caller, path.agentId);
  return { status: 204 };
});

export const handler = deleteAgentRoute.handler;
