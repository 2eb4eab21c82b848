/**
 * A batch the stream consumer gives up on, as in AWS: retried a bounded number of times, then
 * written whole to the failed-batches bucket and skipped, so the stream moves on. The operator
 * lists it and replays it with the CLI once the cause is fixed; the audit trail and the bus
 * then hold every change exactly once.
 */
import { HaltClient } from '../../sdk/operator-client';
import { runCli } from '../support/cli';
import { readBusEvents, useTestRuntime, waitFor } from '../support/local-runtime';

describe('failed stream batches and replay (local runtime)', () => {
  const runtime = useTestRuntime({ streamRetryAttempts: 1, onError: () => undefined });

  const cli = (args: string[]) => runCli(args, { HALT_URL: runtime().runtime.restUrl, HALT_KEY: runtime().operatorKey });

  it('keeps a batch given up on in the bucket, moves on, and replays it into the audit trail and the bus', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    await operator.createAgent({ agentId: 'unlucky' });
    await t.runtime.streamIdle();
    expect((await operator.listFailedBatches()).batches).toEqual([]);

    // WHEN the bus refuses every put while the agent is killed: the consumer fails its batch
    t.runtime.eventSink.failPuts(true);
    await operator.kill({ agentId: 'unlucky', reason: 'template breaks the law' });
    const failed = await waitFor(async () => {
      const page = await operator.listFailedBatches();
      return page.batches.length > 0 ? page.batches : undefined;
    }, { what: 'the batch in the failed-batches bucket' });
    t.runtime.eventSink.failPuts(false);

    // THEN it is in the bucket with what it holds, and the stream has moved on: a later change is published
    expect(failed).toEqual([
      expect.objectContaining({ condition: 'RetryAttemptsExhausted', records: 1, agentIds: ['unlucky'], key: expect.stringMatching(/^aws\/lambda\//) }),
    ]);
    await operator.resume({ agentId: 'unlucky', reason: 'template fixed' });
    await t.runtime.streamIdle();
    const published = () => readBusEvents(t.runtime.eventsFile).filter((e) => e.detail.agentId === 'unlucky').map((e) => e.detail.version as number);
    expect(published()).toContain(3);
    expect(published()).not.toContain(2);
    const listed = await cli(['replay', '--list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/1 record\s+unlucky\s+RetryAttemptsExhausted/);

    // WHEN the operator replays it
    const replayed = await cli(['replay']);

    // THEN the kill's bus event is published, the audit trail has each version once and verifies, and the bucket is empty
    expect(replayed).toMatchObject({ code: 0 });
    expect(replayed.out).toMatch(/^1 failed batch replayed/);
    expect(published().sort((a, b) => a - b)).toEqual([1, 2, 3]);
    const audit = await operator.listAudit({ agentId: 'unlucky' });
    expect(audit.events.map((e) => e.version).sort((a, b) => a - b)).toEqual([1, 2, 3]);
    expect((await operator.verifyAudit({ agentId: 'unlucky' })).ok).toBe(true);
    expect((await operator.listFailedBatches()).batches).toEqual([]);

    // AND replaying again finds nothing to do
    expect((await cli(['replay'])).out).toMatch(/^0 failed batches replayed/);
  });

  it('leaves a batch that fails again in the bucket and says so', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    await operator.createAgent({ agentId: 'stubborn' });
    await t.runtime.streamIdle();
    t.runtime.eventSink.failPuts(true);
    try {
      await operator.pause({ agentId: 'stubborn', reason: 'check' });
      await waitFor(async () => (await operator.listFailedBatches()).batches.some((b) => b.agentIds.includes('stubborn')), { what: 'the failed batch' });
      const result = await cli(['replay']);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/1 still failing/);
      expect((await operator.listFailedBatches()).batches.filter((b) => b.agentIds.includes('stubborn'))).toHaveLength(1);
    } finally {
      t.runtime.eventSink.failPuts(false);
    }
    expect((await cli(['replay'])).code).toBe(0);
    expect((await operator.listFailedBatches()).batches).toEqual([]);
  });
});
