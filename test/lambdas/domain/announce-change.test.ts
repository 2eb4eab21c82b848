/**
 * The one kill path: every status change, whoever makes it, tells the agent's instances in
 * this region through the notifier, once; a refused intent reminds the instance that sent it.
 */
import { changeStatus, bulkChange } from '../../../lambdas/domain/control';
import type { DomainContext } from '../../../lambdas/domain/context';
import { submitIntent } from '../../../lambdas/domain/gateway';
import { enforceBudgetBreach, enforceConsecutiveFailures } from '../../../lambdas/domain/policy-enforcement';
import type { AgentRecord, InstanceRecord } from '../../../lambdas/ports/records';
import type { AgentRepository } from '../../../lambdas/ports/repository';
import { agentRecord as storedAgent } from '../../support/agent-record';
import { memoryRepository } from '../../support/memory-repository';
import type { Notifier, PushOptions } from '../../../lambdas/ports/notifier';

/** The shared fixture, with this file's tag and region. */
const agentRecord = (agentId: string, overrides: Partial<AgentRecord> = {}): AgentRecord =>
  storedAgent({
    agentId,
    tags: ['team=growth'],
    lastChange: { type: 'agent_created', actor: 'ops', reason: null, at: '2026-12-02T09:00:00.000Z', fromStatus: null, toStatus: 'active', region: 'eu-west-1' },
    ...overrides,
  });

const memoryWith = (agents: AgentRecord[], instances: InstanceRecord[] = []) => {
  const repository = memoryRepository({ agents, instances });
  return { repository, stored: { get: (agentId: string) => repository.getAgent(agentId) } };
};

/** A notifier that records what it is asked to send and says each agent has `connections` connections. */
const recordingNotifier = (connections = 3) => {
  const pushes: { agentId: string; message: Record<string, unknown>; options: PushOptions | undefined }[] = [];
  const sends: { connectionId: string; message: Record<string, unknown> }[] = [];
  const notifier: Notifier = {
    pushToAgent: async (agentId, message, options) => {
      pushes.push({ agentId, message: message as Record<string, unknown>, options });
      return connections;
    },
    pushToWatchers: async () => 0,
    send: async (connectionId, message) => {
      sends.push({ connectionId, message: message as Record<string, unknown> });
      return true;
    },
  };
  return { notifier, pushes, sends };
};

const contextOf = (repository: AgentRepository, notifier: Notifier): DomainContext => ({
  repository,
  notifier,
  now: () => new Date('2026-12-02T09:05:00.000Z'),
  region: 'eu-west-1',
});

describe('the one kill path', () => {
  it('tells the instances of an operator kill once, with the new version, and says how many it reached', async () => {
    // GIVEN an active agent with three connections here
    const { repository } = memoryWith([agentRecord('mailer')]);
    const { notifier, pushes } = recordingNotifier(3);
    // WHEN an operator kills it
    const outcome = await changeStatus(contextOf(repository, notifier), { agentId: 'mailer', action: 'kill', reason: 'template breaks the law', actor: 'ops', repeatPush: true });
    // THEN one push carries the kill, and the answer counts the connections
    expect(outcome).toMatchObject({ status: 'killed', version: 2, changed: true, pushed: 3 });
    expect(pushes).toEqual([
      { agentId: 'mailer', message: { type: 'kill', agentId: 'mailer', version: 2, reason: 'template breaks the law', actor: 'ops', at: '2026-12-02T09:05:00.000Z' }, options: {} },
    ]);
  });

  it('repeats the push for an operator killing a killed agent, never for an automatic action that changes nothing', async () => {
    const { repository } = memoryWith([agentRecord('mailer', { status: 'killed', version: 4, statusReason: 'earlier' })]);
    const { notifier, pushes } = recordingNotifier();
    const ctx = contextOf(repository, notifier);
    const again = await changeStatus(ctx, { agentId: 'mailer', action: 'kill', reason: 'again', actor: 'ops', repeatPush: true });
    expect(again).toMatchObject({ changed: false, version: 4, pushed: 3 });
    expect(pushes.map((p) => p.message.version)).toEqual([4]);
    const automatic = await changeStatus(ctx, { agentId: 'mailer', action: 'kill', reason: '5 failures', actor: 'policy:consecutive_failures' });
    expect(automatic).toMatchObject({ changed: false, pushed: 0 });
    expect(pushes).toHaveLength(1);
  });

  it('pushes a kill decided by the failure policy at once, from where it is decided', async () => {
    const { repository, stored } = memoryWith([agentRecord('mailer', { policy: { autoKill: { consecutiveFailures: 3 } } })]);
    const { notifier, pushes } = recordingNotifier();
    const ctx = contextOf(repository, notifier);
    const policy = { autoKill: { consecutiveFailures: 3 } };
    await enforceConsecutiveFailures(ctx, { agentId: 'mailer', policy, succeeded: 0, failed: 2 });
    expect(pushes).toEqual([]);
    await enforceConsecutiveFailures(ctx, { agentId: 'mailer', policy, succeeded: 0, failed: 1 });
    expect((await stored.get('mailer'))?.status).toBe('killed');
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.message).toMatchObject({ type: 'kill', version: 2, actor: 'policy:consecutive_failures' });
  });

  it('pushes a pause decided by the budget at once', async () => {
    const policy = { budget: { maxIntentsPerDay: 10, onBreach: 'pause' as const } };
    const { repository } = memoryWith([agentRecord('mailer', { policy })]);
    const { notifier, pushes } = recordingNotifier();
    await enforceBudgetBreach(contextOf(repository, notifier), { agentId: 'mailer', policy, limit: 'maxIntentsPerDay', window: '2026-12-02', trigger: 'intent' });
    expect(pushes.map((p) => p.message)).toEqual([expect.objectContaining({ type: 'pause', version: 2, actor: 'policy:budget' })]);
  });

  it('pushes each agent of a bulk kill, and tells a killed agent\'s instances again when a bulk pause cannot soften it', async () => {
    const { repository } = memoryWith([agentRecord('a'), agentRecord('b', { status: 'killed', version: 7 })]);
    const { notifier, pushes } = recordingNotifier(2);
    const ctx = contextOf(repository, notifier);
    const paused = await bulkChange(ctx, { action: 'pause', reason: 'maintenance', actor: 'ops', tags: ['team=growth'] });
    expect(paused.agents).toEqual([
      // one region here: each change is confirmed in it before the answer
      { agentId: 'a', version: 2, changed: true, pushed: 2, enforcedIn: ['eu-west-1'], pendingIn: [] },
      { agentId: 'b', version: 7, changed: false, pushed: 2, enforcedIn: ['eu-west-1'], pendingIn: [] },
    ]);
    expect(pushes.map((p) => [p.agentId, p.message.type, p.message.version])).toEqual([
      ['a', 'pause', 2],
      ['b', 'kill', 7],
    ]);
  });

  it('reminds the instance whose intent it refuses, on the connection it holds in this region only', async () => {
    const killed = agentRecord('mailer', { status: 'killed', version: 3, statusReason: 'stop' });
    const presence = (instanceId: string, region: string, connectionId: string): InstanceRecord => ({
      agentId: 'mailer', instanceId, region, firstSeenAt: killed.createdAt, lastHeartbeatAt: killed.createdAt, connectionId, connectedAt: killed.createdAt,
    });
    const { repository } = memoryWith([killed], [presence('here', 'eu-west-1', 'conn-here'), presence('there', 'us-east-1', 'conn-there')]);
    const { notifier, sends } = recordingNotifier();
    const ctx = contextOf(repository, notifier);
    const caller = { keyId: 'k', name: 'agent:mailer', role: 'agent' as const, agentId: 'mailer' };
    await expect(submitIntent(ctx, caller, 'mailer', { instanceId: 'here', action: 'email.send' })).rejects.toMatchObject({ code: 'agent_killed' });
    await expect(submitIntent(ctx, caller, 'mailer', { instanceId: 'there', action: 'email.send' })).rejects.toMatchObject({ code: 'agent_killed' });
    expect(sends).toEqual([{ connectionId: 'conn-here', message: expect.objectContaining({ type: 'kill', version: 3 }) }]);
  });
});
