import { approvalPathSchema, denyRequestSchema } from '../../sdk/protocol/schemas';
import { decideApproval } from '../domain/approvals';
import { defineRoute } from '../edge/http/define-route';

export const denyApprovalRoute = defineRoute(
  'denyApproval',
  { summary: 'Deny a pending call, saying why', path: approvalPathSchema, body: denyRequestSchema },
  async ({ ctx, caller, path, body }) => ({
    body: await decideApproval(ctx, caller, { approvalId: path.approvalId, decision: 'deny', reason: body.reason }),
  }),
);

export const handler = denyApprovalRoute.handler;
