/**
 * Halt in one region: the state table (global when it has replicas), the REST API with its
 * authorizer, the stream pipeline and the event bus.
 */
import { CfnOutput, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { STATE_TABLE } from '../lambdas/core/table-schema';
import { HaltRestApi } from './constructs/rest-api';
import { StateTable } from './constructs/state-table';
import { createEventBus, StreamPipeline } from './constructs/stream-pipeline';
import { SweeperSchedule } from './constructs/sweeper-schedule';

export interface HaltStackProps extends StackProps {
  /**
   * Other regions that get a replica of the state table. Needs an explicit `env.region`.
   * @default - a single-region table
   */
  readonly replicaRegions?: readonly string[];
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class HaltStack extends Stack {
  public readonly stateTable: StateTable;
  public readonly restApi: HaltRestApi;
  public readonly pipeline: StreamPipeline;
  public readonly sweeper: SweeperSchedule;

  public constructor(scope: Construct, id: string, props: HaltStackProps = {}) {
    super(scope, id, props);
    this.stateTable = new StateTable(this, 'State', {
      definition: STATE_TABLE,
      ...(props.replicaRegions ? { replicaRegions: props.replicaRegions } : {}),
    });
    const eventBus = createEventBus(this, 'Events');
    const environment = {
      HALT_STATE_TABLE: this.stateTable.table.tableName,
      HALT_EVENT_BUS: eventBus.eventBusName,
      HALT_LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    this.restApi = new HaltRestApi(this, 'Rest', {
      table: this.stateTable.table,
      environment,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.pipeline = new StreamPipeline(this, 'Pipeline', {
      table: this.stateTable.table,
      eventBus,
      environment,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });

    this.sweeper = new SweeperSchedule(this, 'Sweep', {
      table: this.stateTable.table,
      eventBus,
      environment,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });

    new CfnOutput(this, 'RestApiUrl', { value: this.restApi.url, description: 'Base URL of the Halt REST API (…/v1)' });
    new CfnOutput(this, 'StateTableName', { value: this.stateTable.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: eventBus.eventBusName });
    this.suppressAcceptedFindings();
  }

  /** cdk-nag findings Halt accepts, each with its reason. */
  private suppressAcceptedFindings(): void {
    const accepted = [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Every function writes its own logs through the AWS-managed basic execution role (logs only).',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'API Gateway needs its account-level role to write execution logs; AWS manages that policy.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.stateTable.table.node.defaultChild as CfnElement)}.Arn>/index/*]`,
        reason: 'Reads of the state table include its own list index (gsi1); the wildcard is limited to this table\'s indexes.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'Halt deploys on nodejs22.x, the runtime it is built and tested for; moving to a newer one is a tested change.',
      },
      {
        id: 'AwsSolutions-SQS3',
        reason: 'The queue is itself the on-failure destination (dead-letter queue) of the stream consumer\'s event source mapping.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason: 'Every handler validates its path, query and body with zod and answers a 400 naming the field (lambdas/http).',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: 'WAF is the deployer\'s choice (cost, rules); the API authenticates every route but health and throttles the stage.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'The API authenticates with Halt API keys through a Lambda REQUEST authorizer, not Cognito.',
      },
    ];
    for (const finding of accepted) Validations.of(this).acknowledge(finding);
    const health = this.restApi.api.root.resourceForPath('/v1/health').node.tryFindChild('GET');
    if (health) {
      Validations.of(health).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'GET /v1/health is public by design: load balancers and uptime checks call it without a key.',
      });
    }
  }
}
