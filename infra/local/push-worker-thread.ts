/**
 * Inside a local push worker thread: the push worker function's own handler, built from the
 * region's configuration, runs every shard the pool posts, as Lambda runs each asynchronous
 * invocation of the deployed worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HaltConfig } from '../../lambdas/config/config';
import { createDependencies } from '../../lambdas/config/dependencies';
import { createPushWorker } from '../../lambdas/push-worker/push-worker';
import { lambdaContext } from './lambda-context';

export interface ShardRequest {
  readonly id: number;
  readonly payload: unknown;
}

export interface ShardReply {
  readonly id: number;
  readonly error?: string;
}

export const serveShards = (): void => {
  const port = parentPort;
  if (!port) throw new Error('serveShards runs inside a worker thread');
  const config = (workerData as { config: HaltConfig }).config;
  // A worker posts; it never hands shards on (no worker function of its own).
  const deps = createDependencies({ ...config, push: { shardSize: config.push.shardSize, concurrency: config.push.concurrency } });
  const worker = createPushWorker(() => deps);
  port.on('message', (request: ShardRequest) => {
    worker(request.payload, lambdaContext({ functionName: `halt-push-worker-${config.region}`, region: config.region })).then(
      () => port.postMessage({ id: request.id } satisfies ShardReply),
      (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies ShardReply),
    );
  });
  port.postMessage({ ready: true });
};
