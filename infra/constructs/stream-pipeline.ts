/**
 * From the state table's stream to the audit trail and the event bus: the consumer function,
 * its event source mapping (agent items only, partial batch responses, bisect on error,
 * bounded retries, failed batches kept whole in an S3 bucket for `halt replay`), and the
 * `halt` event bus with an archive.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { DlqDestinationConfig, IEventSourceDlq, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { leadingKeys, STATE_STREAM_FILTERS, STREAM_RETRY_ATTEMPTS } from '../../lambdas/adapters/dynamo/table-schema';
import { FAILED_BATCH_PREFIX } from '../../lambdas/adapters/s3-failed-batches';
import { grantItemWrites } from './grants';
import { HaltFunction } from './halt-function';
import type { HaltWebSocketApi } from './websocket-api';

export interface StreamPipelineProps {
  readonly table: ITableV2;
  readonly eventBus: EventBus;
  /** Environment of the consumer (table, bus, log level). */
  readonly environment: Record<string, string>;
  /** The region's WebSocket API: the consumer tells this region's connections. @default - no pushes */
  readonly websocket?: HaltWebSocketApi;
  /**
   * Lambda functions agents may name in their `hardStop` policy: the consumer may change their
   * reserved concurrency, and no others. @default - none (a hard stop would be refused)
   */
  readonly hardStopFunctionArns?: readonly string[];
  /** Attempts after the first before a batch goes to the failed-batches bucket. @default 10 */
  readonly retryAttempts?: number;
  /** How long a failed batch is kept for replay. @default Duration.days(90) */
  readonly failedBatchRetention?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class StreamPipeline extends Construct {
  public readonly consumer: HaltFunction;
  /**
   * The event source mapping's on-failure destination. For a stream source an SQS or SNS
   * destination receives only the batch's shard and sequence numbers, and the stream keeps
   * records 24 hours; S3 receives the whole invocation, records included, so a failed batch
   * can be replayed whenever its cause is fixed (`halt replay`).
   */
  public readonly failedBatches: Bucket;
  /** Counts the batches written to `failedBatches` (S3 request metrics, `PutRequests`). */
  public static readonly FAILED_BATCH_METRICS_ID = 'FailedBatches';

  public constructor(scope: Construct, id: string, props: StreamPipelineProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? STREAM_RETRY_ATTEMPTS;
    if (retryAttempts < 0 || retryAttempts > 10_000) {
      throw new Error('StreamPipeline: retryAttempts must be between 0 and 10000 (Lambda\'s limits)');
    }
    this.failedBatches = new Bucket(this, 'FailedBatches', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: props.failedBatchRetention ?? Duration.days(90) }],
      metrics: [{ id: StreamPipeline.FAILED_BATCH_METRICS_ID, prefix: FAILED_BATCH_PREFIX }],
    });
    Validations.of(this.failedBatches).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only Lambda (the consumer\'s event source mapping) writes here and only the replay routes read; their calls are in CloudTrail, and a bucket of access logs would itself need a policy and retention.',
    });
    this.consumer = new HaltFunction(this, 'Consumer', {
      entry: 'stream-consumer/stream-consumer.ts',
      environment: { ...props.environment, ...(props.websocket?.pushEnvironment ?? {}) },
      timeout: Duration.seconds(60),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    // Reads agents and audit events; writes only audit items.
    props.table.grantReadData(this.consumer);
    grantItemWrites({ fn: this.consumer, table: props.table, actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], prefixes: leadingKeys('audit') });
    // In the write region, stop markers from other regions are folded into the agent item.
    grantItemWrites({ fn: this.consumer, table: props.table, actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('agent') });
    // In the write region, a kill or pause cancels the agent's open approvals: the approval
    // item, its open copy under the agent (removed) and the event on the agent item.
    grantItemWrites({ fn: this.consumer, table: props.table, actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], prefixes: leadingKeys('agent', 'approval') });
    // In the write region, the regions' fleet stop markers are folded into the fleet item.
    grantItemWrites({ fn: this.consumer, table: props.table, actions: ['dynamodb:PutItem'], prefixes: leadingKeys('fleet') });
    props.eventBus.grantPutEventsTo(this.consumer);
    // The hard stop: saved settings live under HARDSTOP#<agent>; the brake is on the named functions only.
    grantItemWrites({ fn: this.consumer, table: props.table, actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], prefixes: leadingKeys('hardStop') });
    if (props.hardStopFunctionArns && props.hardStopFunctionArns.length > 0) this.allowHardStop(...props.hardStopFunctionArns);
    props.websocket?.grantPush(this.consumer);
    this.consumer.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts,
        maxRecordAge: Duration.hours(24),
        parallelizationFactor: 1,
        onFailure: new FailedBatchesDestination(this.failedBatches),
        filters: STATE_STREAM_FILTERS.map((pattern) => FilterCriteria.filter(pattern as unknown as Record<string, unknown>)),
      }),
    );
  }

  /** Let the consumer brake these functions (reserved concurrency) for an agent's hard stop. */
  public allowHardStop(...functionArns: string[]): void {
    this.consumer.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['lambda:GetFunctionConcurrency', 'lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'],
        resources: functionArns,
      }),
    );
  }
}

/**
 * An S3 on-failure destination granting what Lambda needs to write a failed batch, with the
 * function's role: `s3:PutObject` under `aws/lambda/` and `s3:ListBucket`
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html). The CDK's own
 * `S3OnFailureDestination` grants read and write on the whole bucket.
 */
class FailedBatchesDestination implements IEventSourceDlq {
  public constructor(private readonly bucket: IBucket) {}

  public bind(_target: unknown, targetHandler: IFunction): DlqDestinationConfig {
    targetHandler.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${FAILED_BATCH_PREFIX}*`)] }));
    targetHandler.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    return { destination: this.bucket.bucketArn };
  }
}

export const createEventBus = (scope: Construct, id: string): EventBus => {
  const bus = new EventBus(scope, id, { description: 'Halt: every agent change (source "halt")' });
  new Archive(scope, `${id}Archive`, {
    sourceEventBus: bus,
    eventPattern: { source: ['halt'] },
    retention: Duration.days(365),
    description: 'Halt events, replayable for a year',
  });
  return bus;
};
