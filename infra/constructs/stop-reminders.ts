/**
 * Told until it listens: a queue of stop reminders (each message delayed 15 s, SQS's
 * per-message `DelaySeconds`) and the function that pushes the stop again to the connected
 * instances that have not acknowledged it, then sends the reminder again while any stays
 * silent. The stream consumer sends the first reminder of each kill or pause. Failed reminders
 * are retried by SQS and, after five receives, kept in a dead-letter queue that is alarmed.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HaltFunction } from './halt-function';
import type { HaltWebSocketApi } from './websocket-api';

export interface StopRemindersProps {
  readonly table: ITableV2;
  readonly environment: Record<string, string>;
  /** The region's WebSocket API: reminders are pushes. */
  readonly websocket: HaltWebSocketApi;
  readonly alarmAction?: IAlarmAction;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/** Reminders a message is received before it is given up on (kept in the dead-letter queue). */
export const REMINDER_MAX_RECEIVES = 5;

export class StopReminders extends Construct {
  public readonly queue: Queue;
  public readonly deadLetters: Queue;
  public readonly remind: HaltFunction;
  public readonly deadLetterAlarm: Alarm;

  public constructor(scope: Construct, id: string, props: StopRemindersProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function's timeout, as Lambda's event source asks of a queue.
      visibilityTimeout: Duration.seconds(180),
      // A reminder older than a connection can live is of no use.
      retentionPeriod: Duration.hours(3),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: REMINDER_MAX_RECEIVES },
    });
    this.remind = new HaltFunction(this, 'Remind', {
      entry: 'reminders/remind-stops.ts',
      environment: { ...props.environment, ...props.websocket.pushEnvironment },
      timeout: Duration.seconds(30),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    // Reads agents and instances; pushes; sends the next reminder. Writes nothing else.
    props.table.grantReadData(this.remind);
    props.websocket.grantPush(this.remind);
    this.sendsReminders(this.remind);
    this.remind.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Halt: stop reminders failed five times (instances that missed a kill may not have been told again); see the Remind function logs',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) this.deadLetterAlarm.addAlarmAction(props.alarmAction);
  }

  /** Let `fn` send reminders (the stream consumer sends each stop's first). */
  public sendsReminders(fn: LambdaFunction): void {
    fn.addEnvironment('HALT_REMINDERS_QUEUE', this.queue.queueUrl);
    this.queue.grantSendMessages(fn);
  }
}
