/**
 * Approvals (API.md "Approvals"): a person in front of the calls a policy names, held by the
 * gateway, where a runaway agent cannot skip it. An approval is bound to the exact call by the
 * SHA-256 of its canonical JSON (action, to, costUsd, payload), decided by an operator with a
 * reason, used once, and otherwise expired (fail closed) or cancelled by a kill or pause.
 *
 * Every write goes to the write region, in one transaction with the request's or decision's
 * event on the agent item (conditional on the agent's version and approval count): an
 * approval is used once globally, an identical call while one is pending finds it, and the
 * audit chain orders approval events with the agent's versioned changes in every region.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApprovalStatus, IntentRequest } from '../../sdk/protocol/schemas';
import type { Approval } from '../../sdk/protocol/types';
import { canonical } from './audit-chain';
import type { Caller, DomainContext } from './context';
import {
  AgentNotFoundError,
  ApprovalConflictError,
  ApprovalDeniedError,
  ApprovalInvalidError,
  NotFoundError,
} from './errors';
import { globMatches } from './globs';
import type { AgentRecord, ApprovalEvent, ApprovalEventType, ApprovalRecord } from '../ports/records';
import type { AgentRepository } from '../ports/repository';
import { inWriteRegion } from './regions';
import { retryOnConflict } from './retries';

/** API.md: 900 s unless the policy says otherwise (10–86,400). */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 900;
/** The actor of an approval's expiry. */
export const APPROVAL_EXPIRY_ACTOR = 'policy:approval';

/** The call an approval is bound to: only the fields the intent carries (absent and `null` differ). */
export const approvalCall = (request: Pick<IntentRequest, 'action' | 'to' | 'costUsd' | 'payload'>) => ({
  action: request.action,
  ...(request.to !== undefined ? { to: request.to } : {}),
  ...(request.costUsd !== undefined ? { costUsd: request.costUsd } : {}),
  ...('payload' in request && request.payload !== undefined ? { payload: request.payload } : {}),
});

/** SHA-256 (hex) of the call's canonical JSON: keys sorted at every depth, no whitespace. */
export const approvalCallHash = (request: Pick<IntentRequest, 'action' | 'to' | 'costUsd' | 'payload'>): string =>
  createHash('sha256').update(canonical(approvalCall(request))).digest('hex');

/** Whether the agent's policy puts `action` in front of a person. */
export const needsApproval = (agent: AgentRecord, action: string): boolean =>
  (agent.policy.approval?.actions ?? []).some((pattern) => globMatches(pattern, action));

/** An open approval past its `expiresAt` counts as expired, whether or not the sweeper wrote it yet. */
export const effectiveStatus = (approval: ApprovalRecord, now: Date): ApprovalStatus =>
  (approval.status === 'pending' || approval.status === 'approved') && Date.parse(approval.expiresAt) <= now.getTime() ? 'expired' : approval.status;

/** The public `Approval` (API.md): the stored record's own fields only, status as it stands now. */
export const toApprovalView = (record: ApprovalRecord, now: Date): Approval => ({
  approvalId: record.approvalId,
  agentId: record.agentId,
  instanceId: record.instanceId,
  action: record.action,
  ...(record.to !== undefined ? { to: record.to } : {}),
  ...(record.costUsd !== undefined ? { costUsd: record.costUsd } : {}),
  ...('payload' in record ? { payload: record.payload } : {}),
  status: effectiveStatus(record, now),
  requestedAt: record.requestedAt,
  expiresAt: record.expiresAt,
  ...(record.decidedBy !== undefined ? { decidedBy: record.decidedBy } : {}),
  ...(record.decidedAt !== undefined ? { decidedAt: record.decidedAt } : {}),
  ...(record.reason !== undefined ? { reason: record.reason } : {}),
});

/**
 * Run `work` on the agent as the write region holds it, with the event's place in its history,
 * retrying on fresh state when another change of the agent came first.
 */
const onAgent = <T>(ctx: DomainContext, agentId: string, work: (agent: AgentRecord, writer: AgentRepository, nextSeq: number) => Promise<T>): Promise<T> =>
  inWriteRegion(ctx, (writer) =>
    retryOnConflict(async () => {
      const stored = await writer.getAgent(agentId, { consistent: true });
      if (!stored || stored.deleted) throw new AgentNotFoundError(agentId);
      // The item as stored: its version is what the transaction's condition checks.
      return work(stored, writer, (stored.approvalSeq ?? 0) + 1);
    }),
  );

const eventOf = (ctx: DomainContext, seq: number, type: ApprovalEventType, approvalId: string, actor: string, reason: string | null, at: string): ApprovalEvent => ({
  seq,
  type,
  approvalId,
  actor,
  reason,
  at,
  region: ctx.region,
});

/**
 * Hold the call for a person: the approval pending for this very call (same hash), or a new
 * one. Nothing is counted against the budget.
 */
export const requestApproval = (ctx: DomainContext, agentId: string, request: IntentRequest): Promise<ApprovalRecord> => {
  const callHash = approvalCallHash(request);
  return onAgent(ctx, agentId, async (agent, writer, seq) => {
    const now = ctx.now();
    const same = (await writer.listOpenApprovals(agentId)).find((a) => a.callHash === callHash && effectiveStatus(a, now) === 'pending');
    if (same) return same;
    const at = now.toISOString();
    const timeout = agent.policy.approval?.timeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS;
    const approval: ApprovalRecord = {
      approvalId: `apr_${randomBytes(12).toString('hex')}`,
      agentId,
      instanceId: request.instanceId,
      ...approvalCall(request),
      status: 'pending',
      requestedAt: at,
      expiresAt: new Date(now.getTime() + timeout * 1000).toISOString(),
      callHash,
      changedIn: ctx.region,
    };
    const reason = `intent "${request.action}" from instance ${request.instanceId}`;
    await writer.createApproval(approval, eventOf(ctx, seq, 'approval_requested', approval.approvalId, `agent:${agentId}`, reason, at), agent.version);
    return approval;
  });
};

/**
 * The intent came back with `approvalId`: admit it once if that approval is approved, this
 * agent's, and for this very call (marking it used, globally); otherwise say why not.
 */
export const useApproval = async (ctx: DomainContext, agentId: string, request: IntentRequest & { approvalId: string }, intentId: string): Promise<'admitted' | ApprovalRecord> => {
  const approvalId = request.approvalId;
  const approval = await ctx.repository.getApproval(approvalId, { consistent: true });
  if (!approval) throw new ApprovalInvalidError(approvalId, 'does not exist; send the intent without approvalId to ask for one');
  if (approval.agentId !== agentId) throw new ApprovalInvalidError(approvalId, 'belongs to another agent; an approval admits only the call it was asked for');
  if (approval.callHash !== approvalCallHash(request)) {
    throw new ApprovalInvalidError(approvalId, 'was given for a different call (action, to, costUsd or payload changed since); send the changed call without approvalId to ask again');
  }
  const status = effectiveStatus(approval, ctx.now());
  if (status === 'pending') return approval;
  if (status === 'denied') throw new ApprovalDeniedError(approvalId, approval.decidedBy, approval.reason);
  if (status !== 'approved') throw new ApprovalInvalidError(approvalId, `is ${status}${status === 'used' ? ': an approval admits its call once' : ''}; send the intent without approvalId to ask again`);
  // Used once, globally: the conditional write in the write region decides between racers.
  await inWriteRegion(ctx, (writer) =>
    writer.updateApproval({ ...approval, status: 'used', intentId, changedIn: ctx.region }, 'approved').catch((error: unknown) => {
      if (error instanceof ApprovalConflictError) throw new ApprovalInvalidError(approvalId, `is ${error.status}: an approval admits its call once`);
      throw error;
    }),
  );
  return 'admitted';
};

/** Move an open approval on, with its event in the agent's history. */
const closeApproval = (
  ctx: DomainContext,
  approval: ApprovalRecord,
  change: { status: Exclude<ApprovalStatus, 'pending' | 'used'>; type: ApprovalEventType; actor: string; reason: string | null; decided: boolean },
): Promise<ApprovalRecord> =>
  onAgent(ctx, approval.agentId, async (agent, writer, seq) => {
    const at = ctx.now().toISOString();
    const next: ApprovalRecord = {
      ...approval,
      status: change.status,
      changedIn: ctx.region,
      ...(change.decided ? { decidedBy: change.actor, decidedAt: at } : {}),
      ...(change.reason !== null ? { reason: change.reason } : {}),
    };
    await writer.updateApproval(next, approval.status, { event: eventOf(ctx, seq, change.type, approval.approvalId, change.actor, change.reason, at), agentVersion: agent.version });
    return next;
  });

export const getApproval = async (ctx: DomainContext, approvalId: string): Promise<Approval> => {
  const approval = await ctx.repository.getApproval(approvalId, { consistent: true });
  if (!approval) throw new NotFoundError(`no approval "${approvalId}" exists; GET /v1/approvals lists them`);
  return toApprovalView(approval, ctx.now());
};

/** Statuses the clock never changes: the store can filter on them (an open one may have expired since it was written). */
const FINAL_STATUSES: readonly ApprovalStatus[] = ['denied', 'used', 'cancelled'];

export const listApprovals = async (ctx: DomainContext, options: { status?: ApprovalStatus; agentId?: string }): Promise<{ approvals: Approval[] }> => {
  const now = ctx.now();
  const storeFilters = options.status !== undefined && FINAL_STATUSES.includes(options.status);
  const stored = await ctx.repository.listApprovals({ ...(options.agentId ? { agentId: options.agentId } : {}), ...(storeFilters ? { status: options.status } : {}) });
  const approvals = stored.map((a) => toApprovalView(a, now)).filter((a) => options.status === undefined || a.status === options.status);
  return { approvals };
};

/**
 * An operator approves or denies a pending approval (agent keys never reach this: the route
 * is for operators). One that expired is written expired first, then refused as not pending;
 * one whose agent is stopped is cancelled.
 */
export const decideApproval = async (
  ctx: DomainContext,
  caller: Caller,
  options: { approvalId: string; decision: 'approve' | 'deny'; reason?: string },
): Promise<Approval> => {
  const approval = await inWriteRegion(ctx, (writer) => writer.getApproval(options.approvalId, { consistent: true }));
  if (!approval) throw new NotFoundError(`no approval "${options.approvalId}" exists; GET /v1/approvals lists them`);
  const now = ctx.now();
  if (approval.status !== 'pending') throw new ApprovalConflictError(approval.approvalId, effectiveStatus(approval, now));
  if (effectiveStatus(approval, now) === 'expired') {
    await expireApproval(ctx, approval).catch(() => undefined);
    throw new ApprovalConflictError(approval.approvalId, 'expired');
  }
  const decided = await closeApproval(ctx, approval, {
    status: options.decision === 'approve' ? 'approved' : 'denied',
    type: options.decision === 'approve' ? 'approval_granted' : 'approval_denied',
    actor: caller.name,
    reason: options.reason ?? null,
    decided: true,
  });
  return toApprovalView(decided, now);
};

/** Time ran out (pending, or approved and not used): expired, fail closed. */
export const expireApproval = (ctx: DomainContext, approval: ApprovalRecord): Promise<ApprovalRecord> =>
  closeApproval(ctx, approval, {
    status: 'expired',
    type: 'approval_expired',
    actor: APPROVAL_EXPIRY_ACTOR,
    reason: approval.status === 'approved' ? 'approved but not used before it expired' : 'not decided before it expired',
    decided: false,
  });

/**
 * The sweeper's part, in the write region: every open approval past its time is written
 * expired (with its audit event). Resolves to how many.
 */
export const expireApprovals = async (ctx: DomainContext): Promise<number> => {
  const now = ctx.now();
  // Nothing stays open longer than the longest timeout (a day): look back a little further.
  const since = new Date(now.getTime() - 2 * 86_400_000).toISOString();
  const due = (await ctx.repository.listApprovals({ since, limit: 10_000 })).filter((a) => a.status !== effectiveStatus(a, now));
  let expired = 0;
  for (const approval of due) {
    try {
      await expireApproval(ctx, approval);
      expired++;
    } catch (error) {
      // Decided or used meanwhile: nothing left to expire.
      if (!(error instanceof ApprovalConflictError || error instanceof AgentNotFoundError)) throw error;
    }
  }
  return expired;
};

/**
 * The agent was killed or paused: its open approvals (pending, or approved and not yet used)
 * are cancelled, with the stop's actor and reason. Runs in the write region (stream consumer).
 */
export const cancelOpenApprovals = async (ctx: DomainContext, agent: AgentRecord): Promise<number> => {
  const open = await inWriteRegion(ctx, (writer) => writer.listOpenApprovals(agent.agentId));
  let cancelled = 0;
  for (const approval of open) {
    if (approval.requestedAt > agent.statusChangedAt) continue;
    try {
      await closeApproval(ctx, approval, {
        status: 'cancelled',
        type: 'approval_cancelled',
        actor: agent.statusChangedBy,
        reason: `agent ${agent.status}${agent.statusReason ? `: ${agent.statusReason}` : ''}`,
        decided: false,
      });
      cancelled++;
    } catch (error) {
      if (!(error instanceof ApprovalConflictError || error instanceof AgentNotFoundError)) throw error;
    }
  }
  return cancelled;
};
