/** `POST /v1/failed-batches/replay`: hand every failed batch to the consumer again; removed once through. */
import { replayFailedBatches } from '../domain/replay';
import { defineRoute } from '../edge/http/define-route';
import { failedBatchesOf } from './failed-batches-of';

export const replayFailedBatchesRoute = defineRoute(
  'replayFailedBatches',
  { summary: 'Re-drive the failed stream batches through the consumer (idempotent); answers what went through, what failed again, and whether all were tried' },
  async ({ deps, timeLeftMs }) => {
    const { store, consumer } = failedBatchesOf(deps);
    if (!consumer) throw new Error('HALT_STREAM_CONSUMER_FUNCTION is not set for the replay route');
    return { body: await replayFailedBatches({ store, consumer, timeLeftMs }) };
  },
);

export const handler = replayFailedBatchesRoute.handler;
