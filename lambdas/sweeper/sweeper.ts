/** Scheduled (every minute in AWS): reports instances that ignore a kill or pause. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweep, type SweepResult } from '../domain/sweeper';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';

export type SweeperHandler = (event: ScheduledEvent, context: Context) => Promise<SweepResult>;

export const createSweeper = (provider: DependencyProvider): SweeperHandler => {
  const deps = provider();
  const chain = middy<ScheduledEvent, SweepResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async () => {
      const result = await sweep({ ...deps.ctx, publisher: deps.publisher });
      for (const instance of result.reported) {
        deps.logger.warn('instance ignores a stop', { ...instance });
      }
      return result;
    });
  return (event, context) => chain(event, context);
};

export const handler: SweeperHandler = lazyHandler(createSweeper);
