/**
 * The consumer's failed batches in S3, as Lambda writes them for a stream event source: one
 * JSON invocation record per batch under `aws/lambda/…`, carrying the batch's shard and
 * sequence numbers and, for an S3 destination, the invocation's payload (the records)
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import type { FailedBatch, FailedBatchStore } from '../ports/failed-batches';

/** Where Lambda puts invocation records in the bucket. */
export const FAILED_BATCH_PREFIX = 'aws/lambda/';

const invocationRecordSchema = z.object({
  timestamp: z.string(),
  requestContext: z.object({ condition: z.string() }).passthrough(),
  DDBStreamBatchInfo: z.object({ shardId: z.string(), startSequenceNumber: z.string(), endSequenceNumber: z.string() }).passthrough(),
  // The invocation's payload: the event as a JSON string (accepted as an object too).
  payload: z.union([z.string(), z.object({ Records: z.array(z.unknown()) }).passthrough()]),
});

export type StreamInvocationRecord = z.input<typeof invocationRecordSchema>;

export const parseInvocationRecord = (key: string, text: string): FailedBatch => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`failed batch ${key} is not JSON`);
  }
  const parsed = invocationRecordSchema.safeParse(json);
  if (!parsed.success) throw new Error(`failed batch ${key} is not a stream invocation record: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const record = parsed.data;
  const event = (typeof record.payload === 'string' ? JSON.parse(record.payload) : record.payload) as DynamoDBStreamEvent;
  if (!Array.isArray(event.Records)) throw new Error(`failed batch ${key} has no records in its payload`);
  return {
    key,
    failedAt: record.timestamp,
    condition: record.requestContext.condition,
    shardId: record.DDBStreamBatchInfo.shardId,
    startSequenceNumber: record.DDBStreamBatchInfo.startSequenceNumber,
    endSequenceNumber: record.DDBStreamBatchInfo.endSequenceNumber,
    event,
  };
};

export class S3FailedBatchStore implements FailedBatchStore {
  public constructor(private readonly options: { client: S3Client; bucket: string }) {}

  public async list(options: { limit: number; after?: string }): Promise<{ keys: string[]; more: boolean }> {
    const result = await this.options.client.send(
      new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: FAILED_BATCH_PREFIX, MaxKeys: options.limit, ...(options.after ? { StartAfter: options.after } : {}) }),
    );
    return { keys: (result.Contents ?? []).flatMap((c) => (c.Key ? [c.Key] : [])), more: result.IsTruncated === true };
  }

  public async read(key: string): Promise<FailedBatch> {
    const result = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    const text = (await result.Body?.transformToString('utf8')) ?? '';
    return parseInvocationRecord(key, text);
  }

  public async remove(key: string): Promise<void> {
    await this.options.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }
}
