/**
 * The fan-out: connections read a page at a time, cut into shards; the caller posts the first,
 * push workers the others; a worker that does not take a shard never loses it; gone
 * connections are forgotten; the message is encoded once. And the poster's retry rules.
 */
import { FanOutNotifier, type PushWorkers } from '../../../lambdas/adapters/push/fan-out-notifier';
import type { PushShard } from '../../../lambdas/adapters/push/push-shard';
import { PushFailedError, RetryingPoster, type ConnectionPoster, type PostOutcome } from '../../../lambdas/adapters/push/signed-poster';
import type { ConnectionRecord, ConnectionRepository, ConnectionTarget } from '../../../lambdas/adapters/dynamo/connections';

/** `count` connections of one agent (instance `i<n>` on connection `c<n>`), in pages of `pageSize`. */
const connectionsOf = (count: number, pageSize: number) => {
  const removed: string[] = [];
  const repository = {
    async *pagesOfAgent(): AsyncIterable<ConnectionTarget[]> {
      for (let i = 0; i < count; i += pageSize) {
        yield Array.from({ length: Math.min(pageSize, count - i) }, (_, j) => ({ connectionId: `c${i + j}`, instanceId: `i${i + j}` }));
      }
    },
    removeGone: async (connectionId: string) => {
      removed.push(connectionId);
      return true;
    },
    watchers: async (): Promise<ConnectionRecord[]> => [],
  } as unknown as ConnectionRepository;
  return { repository, removed };
};

/** A poster that records each post; connections in `gone` answer gone. */
const recordingPoster = (gone: ReadonlySet<string> = new Set()) => {
  const posts: { connectionId: string; data: Uint8Array }[] = [];
  const poster: ConnectionPoster = {
    post: async (connectionId, data): Promise<PostOutcome> => {
      posts.push({ connectionId, data });
      return gone.has(connectionId) ? 'gone' : 'sent';
    },
  };
  return { poster, posts };
};

const kill = { type: 'kill', agentId: 'mailer', version: 2, reason: 'stop', actor: 'ops', at: '2026-12-02T09:05:00.000Z' };

describe('FanOutNotifier', () => {
  it('posts the first shard itself and hands every other shard to a worker, across pages', async () => {
    // GIVEN 450 connections read in pages of 100, shards of 200
    const { repository } = connectionsOf(450, 100);
    const { poster, posts } = recordingPoster();
    const handed: PushShard[] = [];
    const workers: PushWorkers = { dispatch: async (shard) => void handed.push(shard) };
    const notifier = new FanOutNotifier({ connections: repository, poster, workers, shardSize: 200, concurrency: 10, onError: () => undefined });
    // WHEN a kill is pushed
    const pushed = await notifier.pushToAgent('mailer', kill);
    // THEN the caller posted c0–c199, the workers got c200–c399 and c400–c449, each connection once
    expect(posts.map((p) => p.connectionId)).toEqual(Array.from({ length: 200 }, (_, i) => `c${i}`));
    expect(handed.map((s) => [s.connectionIds[0], s.connectionIds.length])).toEqual([['c200', 200], ['c400', 50]]);
    expect(pushed).toBe(450);
    // AND the message was encoded once: every post and shard carries the same JSON
    expect(new Set(posts.map((p) => Buffer.from(p.data).toString('utf8')))).toEqual(new Set([JSON.stringify(kill)]));
    expect(handed.every((s) => s.data === JSON.stringify(kill))).toBe(true);
  });

  it('hands every shard to a worker when the caller posts none itself (callerShard: false)', async () => {
    const { repository } = connectionsOf(5, 10);
    const { poster, posts } = recordingPoster();
    const handed: PushShard[] = [];
    const workers: PushWorkers = { dispatch: async (shard) => void handed.push(shard) };
    const notifier = new FanOutNotifier({ connections: repository, poster, workers, shardSize: 2, concurrency: 2, callerShard: false, onError: () => undefined });
    expect(await notifier.pushToAgent('mailer', kill)).toBe(5);
    expect(posts).toHaveLength(0);
    expect(handed.map((s) => s.connectionIds)).toEqual([['c0', 'c1'], ['c2', 'c3'], ['c4']]);
  });

  it('posts a shard itself when no worker takes it, and reports it', async () => {
    const { repository } = connectionsOf(5, 10);
    const { poster, posts } = recordingPoster();
    const errors: string[] = [];
    const workers: PushWorkers = { dispatch: async () => Promise.reject(new Error('TooManyRequestsException')) };
    const notifier = new FanOutNotifier({ connections: repository, poster, workers, shardSize: 2, concurrency: 2, onError: (e) => errors.push(e.message) });
    expect(await notifier.pushToAgent('mailer', kill)).toBe(5);
    expect(posts.map((p) => p.connectionId).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(errors).toEqual([expect.stringContaining('no push worker took a shard of 2'), expect.stringContaining('no push worker took a shard of 1')]);
  });

  it('skips instances that already acknowledged, forgets gone connections, and counts only what it reached', async () => {
    const { repository, removed } = connectionsOf(6, 6);
    const { poster, posts } = recordingPoster(new Set(['c5']));
    const notifier = new FanOutNotifier({ connections: repository, poster, shardSize: 200, concurrency: 4, onError: () => undefined });
    const pushed = await notifier.pushToAgent('mailer', kill, { skipInstances: new Set(['i0', 'i1']) });
    expect(posts.map((p) => p.connectionId).sort()).toEqual(['c2', 'c3', 'c4', 'c5']);
    expect(removed).toEqual(['c5']);
    expect(pushed).toBe(3);
  });

  it('posts every shard itself when there are no workers', async () => {
    const { repository } = connectionsOf(7, 3);
    const { poster, posts } = recordingPoster();
    const notifier = new FanOutNotifier({ connections: repository, poster, shardSize: 2, concurrency: 2, onError: () => undefined });
    expect(await notifier.pushToAgent('mailer', kill)).toBe(7);
    expect(posts).toHaveLength(7);
  });
});

describe('RetryingPoster', () => {
  const answers = (...statuses: number[]) => {
    let calls = 0;
    return {
      attempt: async () => ({ status: statuses[Math.min(calls++, statuses.length - 1)] as number, body: 'x' }),
      calls: () => calls,
    };
  };

  it('retries a throttled or failed post until it goes through', async () => {
    const api = answers(429, 503, 200);
    expect(await new RetryingPoster({ attempt: api.attempt }).post('c1', new Uint8Array())).toBe('sent');
    expect(api.calls()).toBe(3);
  });

  it('answers gone for 410 without retrying', async () => {
    const api = answers(410);
    expect(await new RetryingPoster({ attempt: api.attempt }).post('c1', new Uint8Array())).toBe('gone');
    expect(api.calls()).toBe(1);
  });

  it('fails at once on a client error, after its attempts on failures, and waits out throttling longer', async () => {
    const refused = answers(403);
    await expect(new RetryingPoster({ attempt: refused.attempt }).post('c1', new Uint8Array())).rejects.toBeInstanceOf(PushFailedError);
    expect(refused.calls()).toBe(1);
    const failing = answers(500);
    await expect(new RetryingPoster({ attempt: failing.attempt, maxAttempts: 3 }).post('c1', new Uint8Array())).rejects.toMatchObject({ statusCode: 500 });
    expect(failing.calls()).toBe(3);
    // throttling has its own, larger budget: four 429s do not exhaust it
    const throttledThenSent = answers(429, 429, 429, 429, 200);
    expect(await new RetryingPoster({ attempt: throttledThenSent.attempt, maxAttempts: 3 }).post('c1', new Uint8Array())).toBe('sent');
    const throttled = answers(429);
    await expect(new RetryingPoster({ attempt: throttled.attempt, maxThrottledAttempts: 5 }).post('c1', new Uint8Array())).rejects.toMatchObject({ statusCode: 429 });
    expect(throttled.calls()).toBe(5);
  });
});
