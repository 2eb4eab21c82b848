/**
 * Stop markers (a kill or pause that holds while the write region is down) and stop reminders
 * (a stop pushed again to the instances that have not acknowledged it), on the domain alone.
 */
import type { DomainContext } from '../../../lambdas/domain/context';
import { remindStop, scheduleReminder, REMIND_FOR_MS } from '../../../lambdas/domain/reminders';
import { effectiveAgent, foldedAgent } from '../../../lambdas/domain/stop-markers';
import type { Notifier, PushOptions } from '../../../lambdas/ports/notifier';
import type { AgentRecord, InstanceRecord, StopMarker } from '../../../lambdas/ports/records';
import type { StopReminder } from '../../../lambdas/ports/reminders';
import { memoryRepository } from '../../support/memory-repository';

const CREATED = '2026-12-02T09:00:00.000Z';

const agent = (overrides: Partial<AgentRecord> = {}): AgentRecord => ({
  agentId: 'mailer',
  name: 'mailer',
  tags: [],
  status: 'active',
  version: 4,
  statusChangedAt: CREATED,
  statusChangedBy: 'ops',
  statusReason: null,
  policy: {},
  createdAt: CREATED,
  lastChange: { type: 'policy_changed', actor: 'ops', reason: null, at: CREATED, fromStatus: 'active', toStatus: 'active', region: 'us-east-1' },
  deleted: false,
  ...overrides,
});

const marker = (overrides: Partial<StopMarker> = {}): StopMarker => ({
  region: 'eu-west-1',
  seq: 1,
  action: 'kill',
  actor: 'oncall',
  reason: 'write region down',
  at: '2026-12-02T09:05:00.000Z',
  agentCreatedAt: CREATED,
  ...overrides,
});

describe('stop markers', () => {
  it('stop the agent at the version the fold will write, with the marker\'s actor, reason and region', () => {
    const stopped = effectiveAgent(agent({ stops: [marker()] }));
    expect(stopped).toMatchObject({ status: 'killed', version: 5, statusChangedBy: 'oncall', statusReason: 'write region down' });
    expect(stopped.lastChange).toMatchObject({ type: 'killed', fromStatus: 'active', toStatus: 'killed', region: 'eu-west-1' });
    // applied twice, nothing more changes
    expect(effectiveAgent(stopped)).toEqual(stopped);
    // the fold stores exactly that, noting the marker folded
    expect(foldedAgent(agent({ stops: [marker()] }))).toMatchObject({ status: 'killed', version: 5, foldedStops: { 'eu-west-1': 1 } });
  });

  it('change nothing once folded, for an agent already stopped, or for a later agent of the same id', () => {
    expect(effectiveAgent(agent({ stops: [marker()], foldedStops: { 'eu-west-1': 1 } }))).toMatchObject({ status: 'active', version: 4 });
    expect(effectiveAgent(agent({ status: 'killed', stops: [marker()] }))).toMatchObject({ status: 'killed', version: 4 });
    expect(effectiveAgent(agent({ stops: [marker({ agentCreatedAt: '2026-11-01T00:00:00.000Z' })] }))).toMatchObject({ status: 'active', version: 4 });
    // a pause marker on a killed agent is folded without a new version
    expect(foldedAgent(agent({ status: 'killed', stops: [marker({ action: 'pause' })] }))).toMatchObject({ status: 'killed', version: 4, foldedStops: { 'eu-west-1': 1 } });
  });

  it('let a kill outrank a pause, whichever region wrote which', () => {
    const both = agent({ stops: [marker({ action: 'pause', region: 'us-east-1', at: '2026-12-02T09:06:00.000Z' }), marker({ region: 'eu-west-1' })] });
    expect(effectiveAgent(both)).toMatchObject({ status: 'killed', version: 5 });
    expect(foldedAgent(both)?.foldedStops).toEqual({ 'us-east-1': 1, 'eu-west-1': 1 });
  });
});

describe('stop reminders', () => {
  const instance = (instanceId: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord => ({
    agentId: 'mailer',
    instanceId,
    region: 'eu-west-1',
    firstSeenAt: CREATED,
    lastHeartbeatAt: CREATED,
    connectionId: `conn-${instanceId}`,
    connectedAt: CREATED,
    ...overrides,
  });

  const setup = (stored: AgentRecord, instances: InstanceRecord[], now = '2026-12-02T09:06:00.000Z') => {
    const pushes: { message: Record<string, unknown>; options: PushOptions | undefined }[] = [];
    const sent: { reminder: StopReminder; delay: number }[] = [];
    const notifier: Notifier = {
      pushToAgent: async (_agentId, message, options) => {
        pushes.push({ message: message as Record<string, unknown>, options });
        return 1;
      },
      pushToWatchers: async () => 0,
      send: async () => true,
    };
    const ctx: DomainContext = {
      repository: memoryRepository({ agents: [stored], instances }),
      now: () => new Date(now),
      region: 'eu-west-1',
      notifier,
      reminders: { remindLater: async (reminder, delay) => void sent.push({ reminder, delay }) },
    };
    return { ctx, pushes, sent };
  };
  const killed = agent({ status: 'killed', version: 5 });
  const reminder: StopReminder = { agentId: 'mailer', version: 5, since: '2026-12-02T09:05:00.000Z' };

  it('are scheduled 15 s out for a kill or pause, not for a resume', async () => {
    const { ctx, sent } = setup(killed, []);
    expect(await scheduleReminder(ctx, killed)).toBe(true);
    expect(await scheduleReminder(ctx, agent())).toBe(false);
    expect(sent).toEqual([{ reminder: { agentId: 'mailer', version: 5, since: '2026-12-02T09:06:00.000Z' }, delay: 15 }]);
  });

  it('are scheduled sooner when the deployment reminds more often', async () => {
    const { ctx, sent } = setup(killed, []);
    expect(await scheduleReminder({ ...ctx, remindEverySeconds: 3 }, killed)).toBe(true);
    expect(sent.map((s) => s.delay)).toEqual([3]);
  });

  it('push the stop again to this region\'s connected instances that have not acknowledged it, skipping those that have', async () => {
    const { ctx, pushes } = setup(killed, [
      instance('silent', { acknowledgedVersion: 4 }),
      instance('obeys', { acknowledgedVersion: 5 }),
      instance('other-region', { region: 'us-east-1' }),
    ]);
    expect(await remindStop(ctx, reminder)).toEqual({ done: false, reminded: 1 });
    expect(pushes).toEqual([{ message: expect.objectContaining({ type: 'kill', version: 5 }), options: { skipInstances: new Set(['obeys']) } }]);
  });

  it('end when every instance here acknowledged or disconnected, when the agent moved on, or when no connection can be open any more', async () => {
    expect(await remindStop(setup(killed, [instance('obeys', { acknowledgedVersion: 5 }), instance('gone', { connectionId: undefined })]).ctx, reminder)).toEqual({ done: true, why: 'all_acknowledged' });
    expect(await remindStop(setup(agent({ status: 'active', version: 6 }), [instance('silent')]).ctx, reminder)).toEqual({ done: true, why: 'moved_on' });
    const late = new Date(Date.parse(reminder.since) + REMIND_FOR_MS + 1_000).toISOString();
    expect(await remindStop(setup(killed, [instance('silent')], late).ctx, reminder)).toEqual({ done: true, why: 'expired' });
    expect(await remindStop(setup(agent({ deleted: true, version: 6 }), []).ctx, reminder)).toEqual({ done: true, why: 'agent_gone' });
  });
});
