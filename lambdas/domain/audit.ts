/**
 * The audit trail: one event per versioned change of an agent, and one per approval request
 * or decision after it, written by the stream consumer from the agent item itself, so it is
 * the same whichever region (or retry) writes it. Fleet-wide action kills have a chain of
 * their own (`FLEET_CHAIN`, `agentId: null`), made from the fleet item the same way.
 */
import type { AuditEvent } from '../../sdk/protocol/types';
import { GENESIS_HASH, hashAuditEvent, verifyChain, type ChainCheck, type UnhashedAuditEvent } from './audit-chain';
import type { DomainContext } from './context';
import { auditBusEvent, type EventPublisher } from '../ports/event-publisher';
import { auditPositionOf, FLEET_CHAIN, type AgentRecord, type AuditEventRecord, type FleetActionsRecord } from '../ports/records';

export const auditEventId = (agentId: string, version: number): string => `${agentId}:${version}`;

export const toAuditView = (record: AuditEventRecord): AuditEvent => {
  const { published: _published, approvalSeq: _approvalSeq, ...event } = record;
  return event;
};

export type AuditOutcome = 'recorded' | 'already_recorded' | 'not_a_change';

/**
 * Write `unhashed` once at its place in its chain, linked to the event before it; publish it to
 * the bus when this region made the change and it is not published yet.
 */
const recordEvent = async (
  ctx: DomainContext & { publisher: EventPublisher },
  unhashed: UnhashedAuditEvent & { approvalSeq?: number },
): Promise<AuditOutcome> => {
  const position = auditPositionOf(unhashed);
  let event = await ctx.repository.getAuditEvent(position);
  let outcome: AuditOutcome = 'already_recorded';
  if (!event) {
    const previous = await ctx.repository.getPreviousAuditEvent(position);
    const { approvalSeq, ...hashed } = unhashed;
    const prevHash = previous?.hash ?? GENESIS_HASH;
    const candidate: AuditEventRecord = { ...hashed, prevHash, hash: hashAuditEvent(hashed, prevHash), ...(approvalSeq !== undefined ? { approvalSeq } : {}) };
    if (await ctx.repository.putAuditEvent(candidate)) {
      outcome = 'recorded';
      event = candidate;
    } else {
      event = await ctx.repository.getAuditEvent(position);
    }
  }
  if (event && !event.published && event.region === ctx.region) {
    const busEvent = auditBusEvent(toAuditView(event));
    if (busEvent) await ctx.publisher.publish(busEvent);
    await ctx.repository.markAuditPublished(position);
  }
  return outcome;
};

/**
 * Record the change from `before` to `after` (images of the agent item), once: a new version,
 * or a new approval event at the same version. Publishes it to the bus when this region took
 * the change.
 */
export const recordAgentChange = async (
  ctx: DomainContext & { publisher: EventPublisher },
  before: AgentRecord | undefined,
  after: AgentRecord | undefined,
): Promise<AuditOutcome> => {
  if (!after) return 'not_a_change';
  if (after.version > (before?.version ?? 0)) {
    const { lastChange } = after;
    return recordEvent(ctx, {
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
    });
  }
  const event = after.approvalEvent;
  if (after.version === before?.version && event && event.seq > (before.approvalSeq ?? 0)) {
    // Approval events have no version of their own: they sit after the version the agent was at.
    return recordEvent(ctx, {
      eventId: `${after.agentId}:${after.version}:a${event.seq}`,
      agentId: after.agentId,
      type: event.type,
      actor: event.actor,
      reason: event.reason,
      at: event.at,
      fromStatus: null,
      toStatus: null,
      version: after.version,
      region: event.region,
      approvalId: event.approvalId,
      approvalSeq: event.seq,
    });
  }
  return 'not_a_change';
};

/** Record a fleet-wide action kill or lift (images of the fleet item), once, in the fleet chain. */
export const recordFleetChange = async (
  ctx: DomainContext & { publisher: EventPublisher },
  before: FleetActionsRecord | undefined,
  after: FleetActionsRecord | undefined,
): Promise<AuditOutcome> => {
  const change = after?.lastChange;
  if (!after || !change || after.version <= (before?.version ?? 0)) return 'not_a_change';
  return recordEvent(ctx, {
    eventId: `fleet:${after.version}`,
    agentId: null,
    type: change.type,
    actor: change.actor,
    reason: change.reason,
    at: change.at,
    fromStatus: null,
    toStatus: null,
    version: after.version,
    region: change.region,
    action: change.action,
  });
};

export const listAudit = async (
  ctx: DomainContext,
  options: { agentId?: string; limit?: number; cursor?: string },
): Promise<{ events: AuditEvent[]; nextCursor?: string }> => {
  const page = await ctx.repository.listAudit({ agentId: options.agentId, limit: options.limit ?? 50, cursor: options.cursor });
  return { events: page.items.map(toAuditView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
};

/** Verify the hash chain of one agent, or of every agent with an audit trail and the fleet's. */
export const verifyAudit = async (ctx: DomainContext, options: { agentId?: string }): Promise<ChainCheck> => {
  const chains = options.agentId ? [options.agentId] : [...(await ctx.repository.listAuditedAgentIds()), FLEET_CHAIN];
  let checked = 0;
  for (const chain of chains) {
    const result = verifyChain(await ctx.repository.listAuditChain(chain));
    checked += result.checked;
    if (!result.ok) return { ok: false, checked, ...(result.firstBrokenEventId ? { firstBrokenEventId: result.firstBrokenEventId } : {}) };
  }
  return { ok: true, checked };
};
