import { approvalPathSchema, approveRequestSchema } from '../../sdk/protocol/schemas';
import { decideApproval } from '../domain/approvals';
import { defineRoute } from '../edge/http/define-route';

export const approveApprovalRoute = defineRoute(
  'approveApproval',
  { summary: 'Approve a pending call: the agent may make it once', path: approvalPathSchema, body: approveRequestSchema },
  async ({ ctx, caller, path, body }) => ({
    body: await decideApproval(ctx, caller, { approvalId: path.approvalId, decision: 'approve', ...(body.reason !== undefined ? { reason: body.reason } : {}) }),
  }),
);

export const handler = approveApprovalRoute.handler;
