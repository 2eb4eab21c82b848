import { auditQuerySchema } from '../../sdk/protocol/schemas';
import { listAudit } from '../domain/audit';
import { defineRoute } from '../edge/http/define-route';

export const listAuditRoute = defineRoute('listAudit', { summary: 'The audit trail, newest first', query: auditQuerySchema }, async ({ ctx, query }) => ({
  body: await listAudit(ctx, query),
}));

export const handler = listAuditRoute.handler;
