/**
 * The push worker: posts one shard of a fan-out (a few hundred connections) that the kill
 * call, the bulk routes or the stream consumer handed it as an asynchronous invocation, to
 * this region's connections or (`target`) to another region's, straight to its endpoint. Gone
 * connections are forgotten; posts that still fail after their retries are logged (the
 * stream consumer's push is the safety net).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { ShardOutcome } from '../adapters/push/push-shard';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';
import { MAX_PUSH_MESSAGE_BYTES } from '../../sdk/protocol/messages';

export type PushWorkerHandler = (event: unknown, context: Context) => Promise<ShardOutcome>;

/** What a fan-out hands a worker: it is our own payload, so a shard that fails this is a bug. */
export const pushShardSchema = z
  .object({
    data: z.string().min(2).max(MAX_PUSH_MESSAGE_BYTES),
    connectionIds: z.array(z.string().min(1).max(128)).min(1).max(5_000),
    target: z.object({ region: z.string().min(1).max(64), endpoint: z.url() }).strict().optional(),
  })
  .strict();

export const createPushWorker = (provider: DependencyProvider): PushWorkerHandler => {
  const deps = provider();
  const chain = middy<unknown, ShardOutcome>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      if (!deps.pushShard) throw new Error('this region has no WebSocket API configured (HALT_CONNECTIONS_TABLE / HALT_WEBSOCKET_ENDPOINT)');
      const outcome = await deps.pushShard(pushShardSchema.parse(event));
      if (outcome.failed > 0) deps.logger.warn('push worker: some posts failed after retries', { ...outcome });
      return outcome;
    });
  return (event, context) => chain(event, context);
};

export const handler: PushWorkerHandler = lazyHandler(createPushWorker);
