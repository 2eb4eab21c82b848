import { listApprovalsQuerySchema } from '../../sdk/protocol/schemas';
import { listApprovals } from '../domain/approvals';
import { defineRoute } from '../edge/http/define-route';

export const listApprovalsRoute = defineRoute('listApprovals', { summary: 'Approvals, newest first', query: listApprovalsQuerySchema }, async ({ ctx, query }) => ({
  body: await listApprovals(ctx, query),
}));

export const handler = listApprovalsRoute.handler;
