/**
 * The alarms an on-call engineer needs: the stream consumer falling behind (audit and
 * cross-region pushes late), a batch given up on (audit events not written until replayed), the REST
 * API answering 5xx, and a hard stop that could not brake a function. Each can notify an SNS
 * topic.
 */
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { HARD_STOP_FAILED } from '../../lambdas/domain/hard-stop';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface HaltAlarmsProps {
  readonly consumer: IFunction;
  /** The consumer's log group: its `HardStopFailed` errors are counted from it. */
  readonly consumerLogs: ILogGroup;
  /** The consumer's on-failure bucket, with S3 request metrics under `failedBatchMetricsId`. */
  readonly failedBatches: IBucket;
  readonly failedBatchMetricsId: string;
  readonly restApi: RestApi;
  /** Where alarms go (e.g. an `SnsAction`). @default - no action, visible in CloudWatch */
  readonly action?: IAlarmAction;
  /** Stream iterator age that counts as behind. @default Duration.seconds(30) */
  readonly maxIteratorAge?: Duration;
  /** REST 5xx answers per minute that count as an incident. @default 5 */
  readonly max5xxPerMinute?: number;
}

export class HaltAlarms extends Construct {
  public readonly iteratorAge: Alarm;
  public readonly failedBatches: Alarm;
  public readonly serverErrors: Alarm;
  public readonly hardStopFailures: Alarm;

  public constructor(scope: Construct, id: string, props: HaltAlarmsProps) {
    super(scope, id);
    const maxAge = props.maxIteratorAge ?? Duration.seconds(30);
    this.iteratorAge = new Alarm(this, 'StreamIteratorAge', {
      alarmDescription: `Halt's stream consumer is more than ${maxAge.toSeconds()} s behind: audit events and pushes to other regions are late`,
      metric: props.consumer.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: maxAge.toMilliseconds(),
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failedBatches = new Alarm(this, 'FailedBatches', {
      alarmDescription:
        'The stream consumer gave up on a batch after every retry; it is kept whole in the failed-batches bucket. Its audit events (and bus events) are missing until it is replayed: fix the cause, then `halt replay` (POST /v1/failed-batches/replay).',
      metric: new Metric({
        namespace: 'AWS/S3',
        metricName: 'PutRequests',
        dimensionsMap: { BucketName: props.failedBatches.bucketName, FilterId: props.failedBatchMetricsId },
        period: Duration.minutes(1),
        statistic: 'Sum',
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.serverErrors = new Alarm(this, 'Rest5xx', {
      alarmDescription: 'The Halt REST API is answering 5xx: operators may not be able to kill',
      metric: props.restApi.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: props.max5xxPerMinute ?? 5,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const failedBrakes = new MetricFilter(this, 'HardStopFailedFilter', {
      logGroup: props.consumerLogs,
      filterPattern: FilterPattern.stringValue('$.message', '=', HARD_STOP_FAILED),
      metricNamespace: 'Halt',
      metricName: 'HardStopFailures',
      metricValue: '1',
    });
    this.hardStopFailures = new Alarm(this, 'HardStopFailures', {
      alarmDescription: 'A kill or resume could not set a function\'s reserved concurrency (deleted, or not allowed): the agent\'s instances were told, the brake is not on. See the HardStopFailed event on the bus.',
      metric: failedBrakes.metric({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.action) {
      for (const alarm of [this.iteratorAge, this.failedBatches, this.serverErrors, this.hardStopFailures]) alarm.addAlarmAction(props.action);
    }
  }
}
