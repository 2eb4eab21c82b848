/**
 * Local invocations run a limited number at once, and each one's timeout is counted from when
 * it starts, as in Lambda: a burst far over the limit queues instead of timing out.
 */
import { invocationLimit } from '../../../infra/local/invocation-limit';

describe('invocationLimit', () => {
  it('runs at most `max` at once, the rest in turn, each with a full timeout from its own start', async () => {
    const limit = invocationLimit({ functionName: 'halt-ws-disconnect', region: 'local-1', max: 3 });
    let running = 0;
    let most = 0;
    const remaining: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        limit.run(async (context) => {
          remaining.push(context.getRemainingTimeInMillis());
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running--;
          return n;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(most).toBe(3);
    // the last ones waited ~120 ms in line, yet start with (nearly) the whole 30 s
    expect(Math.min(...remaining)).toBeGreaterThan(29_900);
  });

  it('frees its place when an invocation fails', async () => {
    const limit = invocationLimit({ functionName: 'f', region: 'local-1', max: 1 });
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'next')).toBe('next');
  });
});
