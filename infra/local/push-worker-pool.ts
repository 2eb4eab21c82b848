/**
 * The local stand-in for the push worker function: a few worker threads, each running the
 * function's own handler, so shards are posted in parallel on other cores, as Lambda runs
 * asynchronous invocations in parallel. Threads start on the first shard; one that dies is
 * replaced by the next shard, and the shards it held are reported, never silently dropped.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HaltConfig } from '../../lambdas/config/config';
import type { ShardReply, ShardRequest } from './push-worker-thread';

export interface PushWorkerPool {
  /** Run one invocation's payload on the next thread (accepted at once, like `Event`). */
  invoke(payload: unknown): void;
  /** Start the threads now (they load the worker's code: about a second). */
  warm(): Promise<void>;
  /** Resolves once every shard accepted so far has been posted. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Thread {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly pending: Set<number>;
}

export const startPushWorkerPool = (options: { config: HaltConfig; threads?: number; onError: (error: Error) => void }): PushWorkerPool => {
  const size = options.threads ?? 2;
  const threads: Thread[] = [];
  let nextId = 0;
  let turn = 0;
  let stopped = false;
  const idleWaiters: (() => void)[] = [];
  const inFlight = () => threads.reduce((n, t) => n + t.pending.size, 0);
  const settle = () => {
    if (inFlight() > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const spawn = (): Thread => {
    const worker = new Worker(join(__dirname, 'push-worker-thread.cjs'), { workerData: { config: options.config } });
    const pending = new Set<number>();
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const thread: Thread = { worker, ready, pending };
    worker.on('message', (message: ShardReply | { ready: true }) => {
      if ('ready' in message) return markReady();
      pending.delete(message.id);
      if (message.error) options.onError(new Error(`push worker: ${message.error}`));
      settle();
    });
    const lose = (why: string) => {
      const index = threads.indexOf(thread);
      if (index >= 0) threads.splice(index, 1);
      markReady();
      if (!stopped && pending.size > 0) options.onError(new Error(`push worker thread ${why} holding ${pending.size} shard(s)`));
      pending.clear();
      settle();
    };
    worker.on('error', (error) => lose(`failed (${error.message})`));
    worker.on('exit', (code) => lose(`exited with code ${code}`));
    threads.push(thread);
    return thread;
  };
  const fill = () => {
    while (threads.length < size) spawn();
  };

  return {
    invoke: (payload) => {
      if (stopped) throw new Error('the push worker pool is stopped');
      fill();
      // The least busy thread (round robin among equals), as idle Lambda environments take new invocations.
      const least = Math.min(...threads.map((t) => t.pending.size));
      const candidates = threads.filter((t) => t.pending.size === least);
      const thread = candidates[turn++ % candidates.length] as Thread;
      const id = nextId++;
      thread.pending.add(id);
      thread.worker.postMessage({ id, payload } satisfies ShardRequest);
    },
    warm: async () => {
      fill();
      await Promise.all(threads.map((t) => t.ready));
    },
    idle: () => (inFlight() === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    stop: async () => {
      stopped = true;
      await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
      settle();
    },
  };
};
