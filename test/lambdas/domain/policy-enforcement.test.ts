/**
 * A breached budget is reported once per limit and window, and never lost: the event is
 * published before the breach is marked, so a publish that fails is tried again by the next
 * call that meets the breach.
 */
import type { DomainContext } from '../../../lambdas/domain/context';
import { BUDGET_BREACHED, enforceBudgetBreach } from '../../../lambdas/domain/policy-enforcement';
import type { BusEvent, EventPublisher } from '../../../lambdas/ports/event-publisher';
import type { AgentRecord } from '../../../lambdas/ports/records';
import { agentRecord } from '../../support/agent-record';
import { memoryRepository } from '../../support/memory-repository';

const agent: AgentRecord = agentRecord({
  agentId: 'mailer',
  policy: { budget: { maxIntentsPerDay: 100, onBreach: 'reject' } },
  lastChange: { type: 'agent_created', actor: 'ops', reason: null, at: '2026-12-02T09:00:00.000Z', fromStatus: null, toStatus: 'active', region: 'eu-west-1' },
});

/** A bus that refuses the first `failures` events (AccessDenied, say), then takes them. */
const flakyBus = (failures: number) => {
  const published: BusEvent[] = [];
  let left = failures;
  const publisher: EventPublisher = {
    publish: async (event) => {
      if (left-- > 0) throw Object.assign(new Error('not authorized to perform: events:PutEvents'), { name: 'AccessDeniedException' });
      published.push(event);
    },
  };
  return { publisher, published };
};

const breach = (ctx: DomainContext) =>
  enforceBudgetBreach(ctx, { agentId: 'mailer', policy: agent.policy, limit: 'maxIntentsPerDay', window: '2026-12-02', trigger: 'intent send_email' });

describe('enforceBudgetBreach', () => {
  it('publishes BudgetBreached once per limit and window', async () => {
    const { publisher, published } = flakyBus(0);
    const ctx: DomainContext = { repository: memoryRepository({ agents: [agent] }), region: 'eu-west-1', now: () => new Date('2026-12-02T09:05:00.000Z'), publisher };
    await breach(ctx);
    await breach(ctx);
    expect(published).toEqual([
      expect.objectContaining({ detailType: BUDGET_BREACHED, detail: expect.objectContaining({ agentId: 'mailer', limit: 'maxIntentsPerDay', window: '2026-12-02', onBreach: 'reject' }) }),
    ]);
  });

  it('loses no event when the bus refuses one: the next breach publishes it', async () => {
    const { publisher, published } = flakyBus(1);
    const ctx: DomainContext = { repository: memoryRepository({ agents: [agent] }), region: 'eu-west-1', now: () => new Date('2026-12-02T09:05:00.000Z'), publisher };
    await expect(breach(ctx)).rejects.toThrow('events:PutEvents');
    await breach(ctx);
    await breach(ctx);
    expect(published).toHaveLength(1);
  });
});
