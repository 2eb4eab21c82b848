/** `GET /v1/failed-batches`: the stream batches the consumer gave up on, oldest first. */
import { z } from 'zod';
import { listFailedBatches } from '../domain/replay';
import { defineRoute } from '../edge/http/define-route';
import { failedBatchesOf } from './failed-batches-of';

export const listFailedBatchesRoute = defineRoute(
  'listFailedBatches',
  {
    summary: 'List the stream batches the consumer gave up on (oldest first)',
    query: z.object({ limit: z.coerce.number().int().min(1, 'must be 1 to 100').max(100, 'must be 1 to 100').optional() }).strict(),
  },
  async ({ deps, query }) => ({ body: await listFailedBatches(failedBatchesOf(deps).store, query.limit ?? 100) }),
);

export const handler = listFailedBatchesRoute.handler;
