import { BULK_MARGIN_MS, bulkChange, changeStatus } from '../../../lambdas/domain/control';
import type { DomainContext } from '../../../lambdas/domain/context';
import { VersionConflictError } from '../../../lambdas/domain/errors';
import type { AgentRecord } from '../../../lambdas/ports/records';
import type { AgentRepository } from '../../../lambdas/ports/repository';
import { memoryRepository } from '../../support/memory-repository';

const baseAgent = (): AgentRecord => ({
  agentId: 'a1',
  name: 'a1',
  tags: [],
  status: 'active',
  version: 1,
  statusChangedAt: '2026-11-24T09:00:00.000Z',
  statusChangedBy: 'ops',
  statusReason: null,
  policy: {},
  createdAt: '2026-11-24T09:00:00.000Z',
  lastChange: {
    type: 'agent_created',
    actor: 'ops',
    reason: null,
    at: '2026-11-24T09:00:00.000Z',
    fromStatus: null,
    toStatus: 'active',
    region: 'local-1',
  },
  deleted: false,
});

/**
 * One agent in the in-memory repository; `interfere` runs before each conditional write, to
 * simulate another writer winning the race.
 */
const repositoryWith = (agent: AgentRecord, interfere?: (stored: AgentRecord) => AgentRecord) => {
  const repository = memoryRepository({ agents: [agent] });
  if (interfere) repository.interfere = interfere;
  return { repository, writes: repository.agentWrites, current: () => repository.agentWrites.at(-1) ?? agent };
};

const ctxWith = (repository: AgentRepository): DomainContext => ({
  repository,
  region: 'local-1',
  now: () => new Date('2026-11-24T09:05:00.000Z'),
});

describe('changeStatus', () => {
  it('kills an active agent: version +1, who, why, when and the change recorded', async () => {
    const { repository, current } = repositoryWith(baseAgent());
    const result = await changeStatus(ctxWith(repository), { agentId: 'a1', action: 'kill', reason: 'template breaks the law', actor: 'ops' });
    expect(result).toMatchObject({ agentId: 'a1', status: 'killed', version: 2, changed: true });
    expect(current()).toMatchObject({
      status: 'killed',
      version: 2,
      statusChangedBy: 'ops',
      statusReason: 'template breaks the law',
      statusChangedAt: '2026-11-24T09:05:00.000Z',
      lastChange: { type: 'killed', fromStatus: 'active', toStatus: 'killed', region: 'local-1' },
    });
  });

  it('does not write when the agent is already in the target status', async () => {
    const { repository, writes } = repositoryWith({ ...baseAgent(), status: 'killed', version: 4 });
    const result = await changeStatus(ctxWith(repository), { agentId: 'a1', action: 'kill', reason: 'again', actor: 'ops' });
    expect(result).toMatchObject({ agentId: 'a1', status: 'killed', version: 4, changed: false });
    expect(writes).toHaveLength(0);
  });

  it('retries on fresh state when another writer wins the race, losing neither change', async () => {
    let raced = false;
    const { repository, current } = repositoryWith(baseAgent(), (stored) => {
      if (raced) return stored;
      raced = true;
      return { ...stored, status: 'paused', version: stored.version + 1 };
    });
    const result = await changeStatus(ctxWith(repository), { agentId: 'a1', action: 'kill', reason: 'stop', actor: 'ops' });
    expect(result).toMatchObject({ agentId: 'a1', status: 'killed', version: 3, changed: true });
    expect(current().lastChange.fromStatus).toBe('paused');
  });

  it('surfaces a conflict when the caller named the version it expected', async () => {
    const { repository, writes } = repositoryWith({ ...baseAgent(), version: 5 });
    await expect(
      changeStatus(ctxWith(repository), { agentId: 'a1', action: 'kill', reason: 'stop', actor: 'ops', expectedVersion: 4 }),
    ).rejects.toThrow(VersionConflictError);
    expect(writes).toHaveLength(0);
  });
});

describe('bulkChange when time runs out', () => {
  const fleet = (n: number): AgentRecord[] => Array.from({ length: n }, (_, i) => ({ ...baseAgent(), agentId: `a${String(i).padStart(2, '0')}`, name: `a${i}`, tags: ['mail'] }));

  it('changes the agents it reaches in time, names the rest, and a second call finishes them', async () => {
    const repository = memoryRepository({ agents: fleet(30) });
    const ctx = ctxWith(repository);
    // the invocation has time for 10 agents' changes, then less than the margin
    let started = 0;
    const timeLeftMs = () => (started++ < 10 ? 20_000 : BULK_MARGIN_MS - 1);
    const first = await bulkChange(ctx, { action: 'kill', reason: 'incident', actor: 'ops', tags: ['mail'], timeLeftMs });
    expect(first.complete).toBe(false);
    expect(first.agents.filter((a) => a.changed)).toHaveLength(10);
    expect(first.remaining).toHaveLength(20);
    // nothing half done: every agent is either killed (and answered) or untouched (and named)
    for (const agent of await repository.listAgents()) {
      expect(agent.status === 'killed').toBe(!first.remaining.includes(agent.agentId));
    }
    const second = await bulkChange(ctx, { action: 'kill', reason: 'incident', actor: 'ops', tags: ['mail'], timeLeftMs: () => 20_000 });
    expect(second).toMatchObject({ complete: true, remaining: [] });
    expect(second.agents.filter((a) => a.changed).map((a) => a.agentId).sort()).toEqual(first.remaining);
    expect((await repository.listAgents()).every((a) => a.status === 'killed')).toBe(true);
  });
});
