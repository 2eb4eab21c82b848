/**
 * Stream batches the consumer's event source mapping gave up on (its on-failure destination, an
 * S3 bucket), and the consumer they can be handed to again.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';

/** One failed batch, as its invocation record in the bucket describes it. */
export interface FailedBatch {
  readonly key: string;
  /** When Lambda gave up on it. */
  readonly failedAt: string;
  /** Why (`RetryAttemptsExhausted`, `RecordAgeExceeded`, …). */
  readonly condition: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly event: DynamoDBStreamEvent;
}

export interface FailedBatchStore {
  /** Keys of failed batches, oldest first, from after `after`; `more` when there are others. */
  list(options: { limit: number; after?: string }): Promise<{ keys: string[]; more: boolean }>;
  read(key: string): Promise<FailedBatch>;
  remove(key: string): Promise<void>;
}

export interface StreamConsumerInvoker {
  /** Run the stream consumer on `event`; `failed` counts the records it reported failed. */
  run(event: DynamoDBStreamEvent): Promise<{ readonly failed: number; readonly error?: string }>;
}
