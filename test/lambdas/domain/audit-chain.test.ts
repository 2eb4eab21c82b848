import { GENESIS_HASH, hashAuditEvent, verifyChain } from '../../../lambdas/domain/audit-chain';
import type { AuditEventRecord } from '../../../lambdas/ports/records';

const chain = (): AuditEventRecord[] => {
  const events: AuditEventRecord[] = [];
  let prevHash = GENESIS_HASH;
  const types = ['agent_created', 'killed', 'resumed'] as const;
  types.forEach((type, i) => {
    const unhashed = {
      eventId: `a1:${i + 1}`,
      agentId: 'a1',
      type,
      actor: 'ops',
      reason: i === 0 ? null : `reason ${i}`,
      at: `2026-11-24T09:0${i}:00.000Z`,
      fromStatus: i === 0 ? null : i === 1 ? ('active' as const) : ('killed' as const),
      toStatus: i === 1 ? ('killed' as const) : ('active' as const),
      version: i + 1,
      region: 'local-1',
    };
    const hash = hashAuditEvent(unhashed, prevHash);
    events.push({ ...unhashed, prevHash, hash });
    prevHash = hash;
  });
  return events;
};

describe('audit chain', () => {
  it('verifies an untouched chain', () => {
    expect(verifyChain(chain())).toEqual({ ok: true, checked: 3 });
  });

  it('does not depend on the order of keys', () => {
    const [first] = chain();
    if (!first) throw new Error('no event');
    const reordered = Object.fromEntries(Object.entries(first).reverse()) as unknown as AuditEventRecord;
    expect(hashAuditEvent(reordered, GENESIS_HASH)).toBe(first.hash);
  });

  it('finds the first event that was edited', () => {
    const events = chain();
    const second = events[1];
    if (!second) throw new Error('no event');
    events[1] = { ...second, reason: 'nothing to see here' };
    expect(verifyChain(events)).toEqual({ ok: false, checked: 2, firstBrokenEventId: 'a1:2' });
  });

  it('finds a removed event', () => {
    const events = chain();
    events.splice(1, 1);
    expect(verifyChain(events)).toMatchObject({ ok: false, firstBrokenEventId: 'a1:3' });
  });
});
