/**
 * The per-agent hash chain of the audit trail: each event's `hash` is SHA-256 over the
 * previous event's hash and the event's canonical JSON (keys sorted, no `hash`/`prevHash`).
 * Changing, removing or reordering a stored event breaks the chain from that event on.
 */
import { createHash } from 'node:crypto';
import type { AuditEventRecord } from '../ports/records';

export const GENESIS_HASH = '0'.repeat(64);

/** Keys sorted at every depth, no whitespace, absent (undefined) fields left out; `null` stays. */
export const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

export type UnhashedAuditEvent = Omit<AuditEventRecord, 'hash' | 'prevHash' | 'published' | 'approvalSeq'>;

export const hashAuditEvent = (event: UnhashedAuditEvent, prevHash: string): string => {
  // `approvalId` and `action` exist only on approval and fleet events: absent, they leave the
  // canonical JSON (and so the hash of every older event) as it was.
  const { eventId, agentId, type, actor, reason, at, fromStatus, toStatus, version, region, approvalId, action } = event;
  const body = canonical({ eventId, agentId, type, actor, reason, at, fromStatus, toStatus, version, region, approvalId, action });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
};

export interface ChainCheck {
  ok: boolean;
  checked: number;
  firstBrokenEventId?: string;
}

/** Check one agent's chain, given oldest first. */
export const verifyChain = (events: readonly AuditEventRecord[]): ChainCheck => {
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (const event of events) {
    checked++;
    if (event.prevHash !== prevHash || hashAuditEvent(event, prevHash) !== event.hash) {
      return { ok: false, checked, firstBrokenEventId: event.eventId };
    }
    prevHash = event.hash;
  }
  return { ok: true, checked };
};
