/**
 * The wire contract of the Halt REST API (see docs/api.md), as zod schemas.
 *
 * The same schemas validate requests at the edge in `lambdas/` and type the SDK, so the
 * two cannot drift apart.
 */
import { z } from 'zod';

/** `agentId`, `instanceId`, checkpoint names: lower-case, 1–64 characters. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-_.]{0,63}$/;
const idMessage = 'must match ^[a-z0-9][a-z0-9-_.]{0,63}$ (lower-case letters, digits, "-", "_", ".")';

export const idSchema = z.string().regex(ID_PATTERN, idMessage);

/** A tag is `key=value` or a single `word`. */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}(=[A-Za-z0-9_.:/ -]{0,128})?$/;
export const tagSchema = z
  .string()
  .regex(TAG_PATTERN, 'must be "key=value" or a single word (letters, digits, "_.:/-")');
export const tagsSchema = z.array(tagSchema).max(20, 'at most 20 tags');

export const reasonSchema = z
  .string()
  .trim()
  .min(1, 'is required: say why (1–500 characters)')
  .max(500, 'must be at most 500 characters');

export const agentStatusSchema = z.enum(['active', 'paused', 'killed']);
export type AgentStatus = z.infer<typeof agentStatusSchema>;

export const healthSchema = z.enum(['unknown', 'healthy', 'degraded', 'unreachable']);
export type Health = z.infer<typeof healthSchema>;

export const roleSchema = z.enum(['operator', 'viewer', 'agent']);
export type Role = z.infer<typeof roleSchema>;

const money = z.number().finite().min(0, 'must be 0 or more (US dollars)').max(1_000_000);
const count = z.number().int('must be a whole number').min(0).max(1_000_000_000);

/** Glob over action names: letters, digits, `.:_-/` and `*`. */
export const actionPatternSchema = z
  .string()
  .regex(/^[A-Za-z0-9*][A-Za-z0-9*_.:/-]{0,127}$/, 'must be an action name or glob such as "email.*"');

export const policySchema = z
  .object({
    budget: z
      .object({
        maxCostUsdPerDay: money.optional(),
        maxIntentsPerHour: count.optional(),
        maxIntentsPerDay: count.optional(),
        onBreach: z.enum(['reject', 'pause', 'kill']),
      })
      .strict()
      .optional(),
    actions: z
      .object({
        allow: z.array(actionPatternSchema).max(100).optional(),
        deny: z.array(actionPatternSchema).max(100).optional(),
      })
      .strict()
      .optional(),
    autoKill: z.object({ consecutiveFailures: z.number().int().min(1).max(10_000).optional() }).strict().optional(),
    failMode: z.enum(['closed', 'open']).optional(),
    /** Actions that need a person: the gateway holds them until an operator approves the exact call. */
    approval: z
      .object({
        actions: z.array(actionPatternSchema).min(1, 'must name at least one action glob such as "email.send_all"').max(100),
        timeoutSeconds: z.number().int('must be a whole number of seconds').min(10, 'must be at least 10 seconds').max(86_400, 'must be at most 86400 seconds (a day)').optional(),
      })
      .strict()
      .optional(),
    /**
     * `shadow`: what the budget, action lists and approval rules would refuse is admitted and
     * reported (`wouldRefuse`) instead; kills, pauses and fleet action kills still refuse.
     */
    mode: z.enum(['enforce', 'shadow']).optional(),
    hardStop: z
      .object({
        functions: z
          .array(
            z
              .string()
              .regex(
                /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]{1,64}$/,
                'must be a Lambda function ARN such as arn:aws:lambda:us-east-1:123456789012:function:email-sender',
              ),
          )
          .min(1)
          .max(20),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Policy = z.infer<typeof policySchema>;

// ---- requests -------------------------------------------------------------------------

export const createAgentRequestSchema = z
  .object({
    agentId: idSchema,
    name: z.string().trim().min(1).max(200).optional(),
    tags: tagsSchema.optional(),
    policy: policySchema.optional(),
  })
  .strict();
export type CreateAgentRequest = z.infer<typeof createAgentRequestSchema>;

export const listAgentsQuerySchema = z
  .object({ tag: z.union([tagSchema, z.array(tagSchema).max(20)]).optional() })
  .strict();

export const controlRequestSchema = z
  .object({
    reason: reasonSchema,
    expectedVersion: z.number().int().min(0).optional(),
  })
  .strict();
export type ControlRequest = z.infer<typeof controlRequestSchema>;

export const bulkKillRequestSchema = z
  .object({
    reason: reasonSchema,
    tags: z.array(tagSchema).min(1, 'must name at least one tag (or send "all": true)').max(20).optional(),
    all: z.literal(true, { message: 'must be true when given' }).optional(),
  })
  .strict()
  .refine((b) => b.tags !== undefined || b.all === true, {
    message: 'say which agents: "tags": [...] or "all": true',
    path: ['tags'],
  })
  .refine((b) => !(b.tags !== undefined && b.all === true), {
    message: 'send either "tags" or "all", not both',
    path: ['all'],
  });
export type BulkKillRequest = z.infer<typeof bulkKillRequestSchema>;

export const heartbeatMetricsSchema = z
  .object({ succeeded: count.optional(), failed: count.optional(), costUsd: money.optional() })
  .strict();

export const heartbeatRequestSchema = z
  .object({
    instanceId: idSchema,
    region: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a region name such as "eu-west-1"').optional(),
    acknowledgedVersion: z.number().int().min(0).optional(),
    metrics: heartbeatMetricsSchema.optional(),
  })
  .strict();
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

/** Approval ids: `apr_` and 24 lower-case hex digits. */
export const APPROVAL_ID_PATTERN = /^apr_[a-f0-9]{24}$/;
export const approvalIdSchema = z.string().regex(APPROVAL_ID_PATTERN, 'must be an approval id such as "apr_…" (from the approval_required answer)');

export const intentRequestSchema = z
  .object({
    instanceId: idSchema,
    action: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/, 'must be an action name such as "email.send"'),
    costUsd: money.optional(),
    to: idSchema.optional(),
    payload: z.unknown().optional(),
    /** The approval an operator gave this exact call (after a 403 `approval_required`). */
    approvalId: approvalIdSchema.optional(),
  })
  .strict();
export type IntentRequest = z.infer<typeof intentRequestSchema>;

export const checkpointRequestSchema = z.object({ data: z.unknown() }).strict().refine((b) => b.data !== undefined, {
  message: 'is required (any JSON value)',
  path: ['data'],
});

export const createKeyRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(100),
    role: roleSchema,
    agentId: idSchema.optional(),
  })
  .strict()
  .refine((b) => b.role !== 'agent' || b.agentId !== undefined, {
    message: 'is required when role is "agent"',
    path: ['agentId'],
  })
  .refine((b) => b.role === 'agent' || b.agentId === undefined, {
    message: 'is only allowed when role is "agent"',
    path: ['agentId'],
  });
export type CreateKeyRequest = z.infer<typeof createKeyRequestSchema>;

export const auditQuerySchema = z
  .object({
    agentId: idSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

export const verifyAuditQuerySchema = z.object({ agentId: idSchema.optional() }).strict();

export const agentPathSchema = z.object({ agentId: idSchema }).strict();
export const checkpointPathSchema = z.object({ agentId: idSchema, name: idSchema }).strict();
export const keyPathSchema = z.object({ keyId: z.string().regex(/^key_[a-z0-9]{20}$/, 'must be a key id such as "key_…"') }).strict();

export const usageQuerySchema = z
  .object({ days: z.coerce.number().int().min(1, 'is at least 1').max(35, 'is at most 35 (daily usage is kept 35 days)').optional() })
  .strict();

// ---- approvals and fleet action kills (API.md, additions of 2026-12) -------------------

export const approvalStatusSchema = z.enum(['pending', 'approved', 'denied', 'expired', 'used', 'cancelled']);
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

export const approvalPathSchema = z.object({ approvalId: approvalIdSchema }).strict();

export const listApprovalsQuerySchema = z
  .object({ status: approvalStatusSchema.optional(), agentId: idSchema.optional() })
  .strict();

export const approveRequestSchema = z.object({ reason: reasonSchema.optional() }).strict();
export const denyRequestSchema = z.object({ reason: reasonSchema }).strict();

/** A glob of only `*` matches every action of every agent. */
export const matchesEveryAction = (pattern: string): boolean => /^\*+$/.test(pattern);

export const actionKillRequestSchema = z
  .object({
    action: actionPatternSchema,
    reason: reasonSchema,
    /** Required for a glob that matches every action (`*`). */
    confirm: z.literal(true, { message: 'must be true when given' }).optional(),
  })
  .strict()
  .refine((b) => !matchesEveryAction(b.action) || b.confirm === true, {
    message: 'a bare "*" refuses every action of every agent; send "confirm": true if that is what you mean (or kill the agents instead)',
    path: ['confirm'],
  });
export type ActionKillRequest = z.infer<typeof actionKillRequestSchema>;

export const actionResumeRequestSchema = z.object({ action: actionPatternSchema, reason: reasonSchema }).strict();

// ---- MCP gateway (API.md "MCP gateway") ---------------------------------------------------

export const mcpServerPathSchema = z.object({ server: idSchema }).strict();
export const mcpEndpointPathSchema = z.object({ agentId: idSchema, server: idSchema }).strict();

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

export const putMcpServerRequestSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
        } catch {
          return false;
        }
      }, 'must be the MCP server\'s Streamable HTTP URL (http or https, credentials in headers, not in the URL)'),
    /** Values are secrets: stored encrypted, never returned, never logged. */
    headers: z
      .record(z.string(), z.string().min(1, 'a header value cannot be empty').max(8192).regex(/^[^\r\n]*$/, 'a header value is one line'))
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not an HTTP header name (letters, digits, "-", such as "Authorization")' });
        }
        if (Object.keys(headers).length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 headers' });
      })
      .optional(),
    /** What one tools/call costs, counted against the agent's budget. */
    costUsd: money.optional(),
  })
  .strict();
export type PutMcpServerRequest = z.infer<typeof putMcpServerRequestSchema>;
