import { verifyAuditQuerySchema } from '../../sdk/protocol/schemas';
import { verifyAudit } from '../domain/audit';
import { defineRoute } from '../edge/http/define-route';

export const verifyAuditRoute = defineRoute('verifyAudit', { summary: "Verify the audit trail's hash chains", query: verifyAuditQuerySchema }, async ({ ctx, query }) => ({
  body: await verifyAudit(ctx, query),
}));

export const handler = verifyAuditRoute.handler;
