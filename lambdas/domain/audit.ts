/**
 * The audit trail: one event per versioned change of an agent, written by the stream consumer
 * from the agent item itself, so it is the same whichever region (or retry) writes it.
 */
import type { AuditEvent } from '../../sdk/protocol/types';
import { GENESIS_HASH, hashAuditEvent, verifyChain, type ChainCheck } from './audit-chain';
import type { DomainContext } from './context';
import { auditBusEvent, type EventPublisher } from '../ports/event-publisher';
import type { AgentRecord, AuditEventRecord } from '../ports/records';

export const auditEventId = (agentId: string, version: number): string => `${agentId}:${version}`;

export const toAuditView = (record: AuditEventRecord): AuditEvent => {
  const { published: _published, ...event } = record;
  return event;
};

export type AuditOutcome = 'recorded' | 'already_recorded' | 'not_a_change';

/**
 * Record the change from `before` to `after` (images of the agent item), once. Publishes the
 * event to the bus when this region took the change and it is not published yet.
 */
export const recordAgentChange = async (
  ctx: DomainContext & { publisher: EventPublisher },
  before: AgentRecord | undefined,
  after: AgentRecord | undefined,
): Promise<AuditOutcome> => {
  if (!after || after.version <= (before?.version ?? 0)) return 'not_a_change';
  const { lastChange } = after;
  let event = await ctx.repository.getAuditEvent(after.agentId, after.version);
  let outcome: AuditOutcome = 'already_recorded';
  if (!event) {
    const previous = await ctx.repository.getPreviousAuditEvent(after.agentId, after.version);
    const unhashed = {
      eventId: auditEventId(after.agentId, after.version),
      agentId: after.agentId,
      type: lastChange.type,
      actor: lastChange.actor,
      reason: lastChange.reason,
      at: lastChange.at,
      fromStatus: lastChange.fromStatus,
      toStatus: lastChange.toStatus,
      version: after.version,
      region: lastChange.region,
    };
    const prevHash = previous?.hash ?? GENESIS_HASH;
    const candidate: AuditEventRecord = { ...unhashed, prevHash, hash: hashAuditEvent(unhashed, prevHash) };
    if (await ctx.repository.putAuditEvent(candidate)) {
      outcome = 'recorded';
      event = candidate;
    } else {
      event = await ctx.repository.getAuditEvent(after.agentId, after.version);
    }
  }
  if (event && !event.published && event.region === ctx.region) {
    await ctx.publisher.publish(auditBusEvent(toAuditView(event)));
    await ctx.repository.markAuditPublished(event.agentId, event.version);
  }
  return outcome;
};

export const listAudit = async (
  ctx: DomainContext,
  options: { agentId?: string; limit?: number; cursor?: string },
): Promise<{ events: AuditEvent[]; nextCursor?: string }> => {
  const page = await ctx.repository.listAudit({ agentId: options.agentId, limit: options.limit ?? 50, cursor: options.cursor });
  return { events: page.items.map(toAuditView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
};

/** Verify the hash chain of one agent, or of every agent with an audit trail. */
export const verifyAudit = async (ctx: DomainContext, options: { agentId?: string }): Promise<ChainCheck> => {
  const agentIds = options.agentId ? [options.agentId] : await ctx.repository.listAuditedAgentIds();
  let checked = 0;
  for (const agentId of agentIds) {
    const result = verifyChain(await ctx.repository.listAuditChain(agentId));
    checked += result.checked;
    if (!result.ok) return { ok: false, checked, ...(result.firstBrokenEventId ? { firstBrokenEventId: result.firstBrokenEventId } : {}) };
  }
  return { ok: true, checked };
};
