import { approvalPathSchema } from '../../sdk/protocol/schemas';
import { getApproval } from '../domain/approvals';
import { defineRoute } from '../edge/http/define-route';

export const getApprovalRoute = defineRoute('getApproval', { summary: 'One approval', path: approvalPathSchema }, async ({ ctx, path }) => ({
  body: await getApproval(ctx, path.approvalId),
}));

export const handler = getApprovalRoute.handler;
