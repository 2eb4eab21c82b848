import { verifyAuditQuerySchema } from '../../sdk/protocol/schemas';
import { verifyAudit } from '../core/audit';
import { defineRoute } from '../http/define-route';

export const verifyAuditRoute = defineRoute('verifyAudit', { summary: "Verify the audit trail's hash chains", query: verifyAuditQuerySchema }, async ({ ctx, query }) => ({
  body: await verifyAudit(ctx, query),
}));

export const handler = verifyAuditRoute.handler;
