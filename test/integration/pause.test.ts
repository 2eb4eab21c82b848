/**
 * Pause end to end with the SDK: the unit in hand finishes, the agent checkpoints and waits,
 * and after resume it continues from its checkpoint — no unit done twice, none skipped.
 */
import { HaltAgent } from '../../sdk/agent';
import { HaltClient } from '../../sdk/operator-client';
import { startTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

describe('pause (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime();
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it('finishes the unit in hand, checkpoints, waits, and resumes from the checkpoint', async () => {
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'batcher' });
    const halt = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: agentKey, agentId: 'batcher', instanceId: 'i-1' });
    halt.on('error', () => undefined);
    await halt.start();

    const done: number[] = [];
    let unitInHand: number | undefined;
    let releaseUnit: (() => void) | undefined;
    const units = 6;
    const loop = (async () => {
      let next = (await halt.loadCheckpoint<{ next: number }>('i-1'))?.data.next ?? 0;
      while (next < units) {
        if (halt.shouldStop) {
          await halt.saveCheckpoint('i-1', { next });
          await halt.waitUntilActive();
          next = (await halt.loadCheckpoint<{ next: number }>('i-1'))?.data.next ?? next;
          continue;
        }
        await halt.intent('unit.process');
        unitInHand = next;
        if (next === 2) await new Promise<void>((resolve) => (releaseUnit = resolve)); // a slow unit
        expect(halt.signal.aborted).toBe(false);
        done.push(next);
        unitInHand = undefined;
        next++;
        await halt.saveCheckpoint('i-1', { next });
      }
    })();

    try {
      // WHEN the operator pauses while unit 2 is in hand
      await waitFor(async () => unitInHand === 2 || undefined, { what: 'unit 2 in hand' });
      const paused = await operator.pause({ agentId: 'batcher', reason: 'rotate credentials' });
      await waitFor(async () => halt.shouldStop || undefined, { what: 'the pause to arrive' });

      // THEN unit 2 still finishes, and nothing after it starts
      releaseUnit?.();
      await waitFor(async () => done.includes(2) || undefined, { what: 'unit 2 to finish' });
      await waitFor(async () => (await halt.loadCheckpoint<{ next: number }>('i-1'))?.data.next === 3 || undefined, { what: 'the checkpoint after unit 2' });
      await waitFor(async () => (await operator.getAgent({ agentId: 'batcher' })).instanceList[0]?.acknowledgedVersion === paused.version || undefined, {
        what: 'the pause acknowledged',
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toEqual([0, 1, 2]);
      expect((await halt.loadCheckpoint<{ next: number }>('i-1'))?.data).toEqual({ next: 3 });

      // WHEN it is resumed THEN it continues from the checkpoint, each unit once
      await operator.resume({ agentId: 'batcher', reason: 'done' });
      await loop;
      expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      releaseUnit?.();
      await halt.close();
    }
  });
});
