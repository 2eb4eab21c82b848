/**
 * From the state table's stream to the audit trail and the event bus: the consumer function,
 * its event source mapping (agent items only, partial batch responses, bisect on error,
 * bounded retries, a dead-letter queue), and the `halt` event bus with an archive.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { leadingKeys, STATE_STREAM_FILTERS } from '../../lambdas/adapters/dynamo/table-schema';
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
  /** Attempts after the first before a batch goes to the dead-letter queue. @default 10 */
  readonly retryAttempts?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class StreamPipeline extends Construct {
  public readonly consumer: HaltFunction;
  public readonly deadLetterQueue: Queue;

  public constructor(scope: Construct, id: string, props: StreamPipelineProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 10;
    if (retryAttempts < 0 || retryAttempts > 10_000) {
      throw new Error('StreamPipeline: retryAttempts must be between 0 and 10000 (Lambda\'s limits)');
    }
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
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
    props.eventBus.grantPutEventsTo(this.consumer);
    // The hard stop: saved settings live under HARDSTOP#<agent>; the brake is on the named functions only.
    grantItemWrites({ fn: this.consumer, table: props.table, actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], prefixes: leadingKeys('hardStop') });
    if (props.hardStopFunctionArns && props.hardStopFunctionArns.length > 0) {
      this.consumer.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['lambda:GetFunctionConcurrency', 'lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'],
          resources: [...props.hardStopFunctionArns],
        }),
      );
    }
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
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: STATE_STREAM_FILTERS.map((pattern) => FilterCriteria.filter(pattern as unknown as Record<string, unknown>)),
      }),
    );
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
