/**
 * Acknowledgement progress: the agent's instances are read once, each acknowledgement the
 * stream carries moves the counts, and they are read again when the agent changed or what is
 * held grew stale.
 */
import type { DomainContext } from '../../../lambdas/domain/context';
import { ProgressTracker } from '../../../lambdas/domain/progress';
import type { InstanceRecord } from '../../../lambdas/ports/records';
import { memoryRepository } from '../../support/memory-repository';

const instance = (n: number): InstanceRecord => ({
  agentId: 'mailer',
  instanceId: `i${n}`,
  region: 'eu-west-1',
  firstSeenAt: '2026-12-02T09:00:00.000Z',
  lastHeartbeatAt: '2026-12-02T09:04:30.000Z',
  acknowledgedVersion: 1,
});

const setup = () => {
  const repository = memoryRepository({ instances: Array.from({ length: 1000 }, (_, n) => instance(n)) });
  let reads = 0;
  const list = repository.listInstances.bind(repository);
  repository.listInstances = (agentId) => {
    reads++;
    return list(agentId);
  };
  let now = new Date('2026-12-02T09:05:00.000Z');
  const ctx: DomainContext = { repository, region: 'eu-west-1', now: () => now };
  return { ctx, reads: () => reads, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
};

const acknowledgedOf = (instances: readonly InstanceRecord[], version: number) => instances.filter((i) => i.acknowledgedVersion === version).length;

describe('ProgressTracker', () => {
  it('reads 1,000 instances once for a kill and counts every acknowledgement after it without reading again', async () => {
    const { ctx, reads } = setup();
    const tracker = new ProgressTracker();
    expect(acknowledgedOf(await tracker.instancesOf(ctx, 'mailer', 2), 2)).toBe(0);
    // ten batches of a hundred acknowledgements of version 2
    for (let batch = 0; batch < 10; batch++) {
      for (let n = batch * 100; n < (batch + 1) * 100; n++) {
        tracker.acknowledged({ agentId: 'mailer', instanceId: `i${n}`, acknowledgedVersion: 2, lastHeartbeatAt: '2026-12-02T09:05:00.500Z' });
      }
      expect(acknowledgedOf(await tracker.instancesOf(ctx, 'mailer', 2), 2)).toBe((batch + 1) * 100);
    }
    expect(reads()).toBe(1);
  });

  it('never moves an acknowledgement back (a late record of an older version)', async () => {
    const { ctx } = setup();
    const tracker = new ProgressTracker();
    await tracker.instancesOf(ctx, 'mailer', 2);
    tracker.acknowledged({ agentId: 'mailer', instanceId: 'i0', acknowledgedVersion: 2, lastHeartbeatAt: '2026-12-02T09:05:01.000Z' });
    tracker.acknowledged({ agentId: 'mailer', instanceId: 'i0', acknowledgedVersion: 1, lastHeartbeatAt: '2026-12-02T09:04:59.000Z' });
    const i0 = (await tracker.instancesOf(ctx, 'mailer', 2)).find((i) => i.instanceId === 'i0');
    expect(i0).toMatchObject({ acknowledgedVersion: 2, lastHeartbeatAt: '2026-12-02T09:05:01.000Z' });
  });

  it('reads again when the agent changed, and when what it holds is older than refreshMs', async () => {
    const { ctx, reads, advance } = setup();
    const tracker = new ProgressTracker({ refreshMs: 5_000 });
    await tracker.instancesOf(ctx, 'mailer', 2);
    await tracker.instancesOf(ctx, 'mailer', 3);
    expect(reads()).toBe(2);
    advance(4_999);
    await tracker.instancesOf(ctx, 'mailer', 3);
    expect(reads()).toBe(2);
    advance(1);
    await tracker.instancesOf(ctx, 'mailer', 3);
    expect(reads()).toBe(3);
  });
});
