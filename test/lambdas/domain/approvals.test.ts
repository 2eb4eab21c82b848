import { approvalCallHash, effectiveStatus, requestApproval } from '../../../lambdas/domain/approvals';
import { recordAgentChange } from '../../../lambdas/domain/audit';
import { verifyChain } from '../../../lambdas/domain/audit-chain';
import type { DomainContext } from '../../../lambdas/domain/context';
import type { AgentRecord, ApprovalRecord } from '../../../lambdas/ports/records';
import { agentRecord } from '../../support/agent-record';
import { memoryRepository } from '../../support/memory-repository';

const agent = (): AgentRecord => agentRecord({ agentId: 'a1', policy: { approval: { actions: ['email.*'], timeoutSeconds: 60 } } });

describe('approvalCallHash', () => {
  it('binds the call whatever the order of its keys, at every depth', () => {
    const a = approvalCallHash({ action: 'email.send', costUsd: 1, payload: { b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'z' } } });
    const b = approvalCallHash({ payload: { a: { c: 'z', d: [1, { x: 1, y: 2 }] }, b: 1 }, costUsd: 1, action: 'email.send' } as never);
    expect(a).toBe(b);
    expect(a).toMatch(/^[a-f0-9]{64}$/);
  });

  it('changes with any field of the call, and tells an absent field from null', () => {
    const base = { action: 'email.send', to: 'crm', costUsd: 1, payload: { list: 'all' } };
    const hashes = [
      base,
      { ...base, action: 'email.send2' },
      { ...base, to: 'crm2' },
      { ...base, costUsd: 1.01 },
      { ...base, payload: { list: 'all ' } },
      { ...base, payload: null },
      { action: 'email.send', to: 'crm', costUsd: 1 },
      { ...base, payload: [1, 2] },
      { ...base, payload: [2, 1] },
    ].map((call) => approvalCallHash(call));
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('approvals in an agent history', () => {
  const ctx = (repository = memoryRepository({ agents: [agent()] }), now = new Date('2026-12-02T09:01:00.000Z')): DomainContext => ({
    repository,
    now: () => now,
    region: 'local-1',
  });

  it('gives an identical call the approval pending for it, and another call its own', async () => {
    const c = ctx();
    const first = await requestApproval(c, 'a1', { instanceId: 'i-1', action: 'email.send', payload: { n: 1 } });
    const same = await requestApproval(c, 'a1', { instanceId: 'i-2', action: 'email.send', payload: { n: 1 } });
    const other = await requestApproval(c, 'a1', { instanceId: 'i-1', action: 'email.send', payload: { n: 2 } });
    expect(same.approvalId).toBe(first.approvalId);
    expect(other.approvalId).not.toBe(first.approvalId);
    expect(first.expiresAt).toBe('2026-12-02T09:02:00.000Z');
    const stored = await c.repository.getAgent('a1');
    expect(stored).toMatchObject({ version: 1, approvalSeq: 2, approvalEvent: { seq: 2, type: 'approval_requested', approvalId: other.approvalId } });
  });

  it('counts an open approval past its time as expired, and a decided one as it was decided', () => {
    const approval = { status: 'pending', expiresAt: '2026-12-02T09:02:00.000Z' } as ApprovalRecord;
    expect(effectiveStatus(approval, new Date('2026-12-02T09:01:59.999Z'))).toBe('pending');
    expect(effectiveStatus(approval, new Date('2026-12-02T09:02:00.000Z'))).toBe('expired');
    expect(effectiveStatus({ ...approval, status: 'approved' }, new Date('2026-12-02T09:03:00.000Z'))).toBe('expired');
    expect(effectiveStatus({ ...approval, status: 'denied' }, new Date('2026-12-02T09:03:00.000Z'))).toBe('denied');
  });

  it('chains approval events after the version they happened at, before the next version', async () => {
    const repository = memoryRepository({ agents: [agent()] });
    const c = { ...ctx(repository), publisher: { publish: async () => undefined } };
    const v1 = (await repository.getAgent('a1')) as AgentRecord;
    await recordAgentChange(c, undefined, v1);
    await requestApproval(c, 'a1', { instanceId: 'i-1', action: 'email.send' });
    const withEvent = (await repository.getAgent('a1')) as AgentRecord;
    expect(await recordAgentChange(c, v1, withEvent)).toBe('recorded');
    // Replayed: written once.
    expect(await recordAgentChange(c, v1, withEvent)).toBe('already_recorded');
    const v2: AgentRecord = { ...withEvent, version: 2, status: 'killed', lastChange: { ...withEvent.lastChange, type: 'killed', toStatus: 'killed', at: '2026-12-02T09:05:00.000Z' } };
    await recordAgentChange(c, withEvent, v2);
    const chain = await repository.listAuditChain('a1');
    expect(chain.map((e) => [e.type, e.version])).toEqual([
      ['agent_created', 1],
      ['approval_requested', 1],
      ['killed', 2],
    ]);
    expect(verifyChain(chain)).toMatchObject({ ok: true, checked: 3 });
    // The approval id is part of what the hash covers.
    const tampered = chain.map((e) => (e.type === 'approval_requested' ? { ...e, approvalId: 'apr_000000000000000000000000' } : e));
    expect(verifyChain(tampered).ok).toBe(false);
  });
});
