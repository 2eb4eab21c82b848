/** Scheduled (every minute in AWS): reports instances that ignore a kill or pause. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweep, type SweepResult } from '../core/sweeper';
import { environmentDependencies, type DependencyProvider } from '../config/dependencies';

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

let built: SweeperHandler | undefined;
export const handler: SweeperHandler = (event, context) => {
  built ??= createSweeper(environmentDependencies);
  return built(event, context);
};
