/** The sweeper on an EventBridge schedule: reports instances that ignore a kill or pause. */
import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantItemWrites } from './grants';
import { HaltFunction } from './halt-function';
import { leadingKeys } from '../../lambdas/adapters/dynamo/table-schema';
import type { HaltWebSocketApi } from './websocket-api';

export interface SweeperScheduleProps {
  readonly table: ITableV2;
  readonly eventBus: IEventBus;
  readonly environment: Record<string, string>;
  /** The region's WebSocket API (its environment, so the sweeper's config matches the others'). */
  readonly websocket?: HaltWebSocketApi;
  /** How often the sweeper runs (at least a minute). @default Duration.minutes(1) */
  readonly every?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class SweeperSchedule extends Construct {
  public readonly sweeper: HaltFunction;

  public constructor(scope: Construct, id: string, props: SweeperScheduleProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(1);
    if (every.toSeconds() < 60) {
      throw new Error('SweeperSchedule: `every` must be at least Duration.minutes(1), the finest EventBridge schedule');
    }
    this.sweeper = new HaltFunction(this, 'Sweeper', {
      entry: 'sweeper/sweeper.ts',
      environment: { ...props.environment, ...(props.websocket?.pushEnvironment ?? {}) },
      timeout: Duration.seconds(60),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    // Reads agents and instances; writes the "reported" mark on instance items and, in the
    // write region, approvals past their time (approval item, its open copy, the agent's event).
    props.table.grantReadData(this.sweeper);
    grantItemWrites({ fn: this.sweeper, table: props.table, actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('agent') });
    grantItemWrites({ fn: this.sweeper, table: props.table, actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], prefixes: leadingKeys('agent', 'approval') });
    props.eventBus.grantPutEventsTo(this.sweeper);
    new Rule(this, 'Every', {
      schedule: Schedule.rate(every),
      description: 'Halt sweeper: report instances that ignore a kill or pause',
      targets: [new LambdaFunction(this.sweeper, { retryAttempts: 2 })],
    });
  }
}
