/**
 * What Lambda writes to a stream event source's S3 on-failure destination: one JSON invocation
 * record per failed batch, with the batch's shard and sequence numbers and, for S3, the
 * invocation's payload, under `aws/lambda/<mapping>/<shard>/YYYY/MM/DD/<time>-<uuid>`
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
 */
import { randomUUID } from 'node:crypto';
import type { StreamInvocationRecord } from '../../lambdas/adapters/s3-failed-batches';
import { FAILED_BATCH_PREFIX } from '../../lambdas/adapters/s3-failed-batches';
import type { FailedBatch } from './stream-poller';

/** The local event source mapping's id (one per region). */
const MAPPING_ID = '00000000-0000-4000-8000-000000000001';

const arrival = (seconds: number | undefined) => new Date((seconds ?? 0) * 1000).toISOString();

export const invocationRecord = (failed: FailedBatch, functionArn: string, now = new Date()): { key: string; body: string } => {
  const first = failed.records[0]?.dynamodb;
  const last = failed.records[failed.records.length - 1]?.dynamodb;
  const record: StreamInvocationRecord & Record<string, unknown> = {
    version: '1.0',
    timestamp: now.toISOString(),
    requestContext: { requestId: randomUUID(), functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: failed.attempts },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    DDBStreamBatchInfo: {
      shardId: failed.shardId,
      startSequenceNumber: first?.SequenceNumber ?? '',
      endSequenceNumber: last?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first?.ApproximateCreationDateTime),
      approximateArrivalOfLastRecord: arrival(last?.ApproximateCreationDateTime),
      batchSize: failed.records.length,
      streamArn: failed.streamArn,
    },
    payload: JSON.stringify({ Records: failed.records }),
  };
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  const time = now.toISOString().slice(0, 19).replace(/:/g, '.');
  return { key: `${FAILED_BATCH_PREFIX}${MAPPING_ID}/${failed.shardId}/${day}/${time}-${randomUUID()}`, body: JSON.stringify(record) };
};
