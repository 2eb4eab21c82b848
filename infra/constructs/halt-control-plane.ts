/**
 * Halt's control plane in one region, as one construct to embed in any stack: the state table
 * (the global table's owner, or a replica of one owned elsewhere), the event bus, the
 * WebSocket API and its connections table, the REST API, the stream pipeline, the sweeper and
 * the alarms.
 *
 * @example
 * new HaltControlPlane(stack, 'Halt', { replicaRegions: ['eu-west-1'] });
 */
import { ArnFormat, Lazy, Stack, Token } from 'aws-cdk-lib';
import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { protectedKeyStatement, protectedReadStatement } from './protect';
import { AgentKeys } from './agent-keys';
import { HaltFunction } from './halt-function';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { TableV2, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { keys, leadingKeys, STATE_TABLE } from '../../lambdas/adapters/dynamo/table-schema';
import { ID_PATTERN } from '../../sdk/protocol/schemas';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { HaltAlarms } from './alarms';
import { DoctorProbe } from './doctor-probe';
import { StopReminders } from './stop-reminders';
import { DashboardHosting } from './dashboard-hosting';
import { HaltRestApi } from './rest-api';
import { StateTable, type Consistency } from './state-table';
import { createEventBus, StreamPipeline } from './stream-pipeline';
import { SweeperSchedule } from './sweeper-schedule';
import { McpHeaderKey } from './mcp-header-key';
import { HaltWebSocketApi } from './websocket-api';

export interface HaltControlPlaneProps {
  /**
   * Regions that get a replica of the state table: this construct owns the global table.
   * Needs an explicit stack region. Exclusive with `replicaOf`.
   * @default - a single-region table
   */
  readonly replicaRegions?: readonly string[];
  /**
   * Run against the replica, in this stack's region, of a global table owned by another
   * stack (a secondary region). Exclusive with `replicaRegions`.
   * @default - this construct owns the table
   */
  readonly replicaOf?: {
    readonly tableName: string;
    /** The region of the stack that owns the table: every agent-item write goes there. */
    readonly writeRegion: string;
    /** Every region of the deployment (the write region and this one included). @default [writeRegion, this region] */
    readonly regions?: readonly string[];
    /** The owner's MCP header key (multi-Region): this stack makes its replica. @default - a key of this stack's own */
    readonly mcpKeyArn?: string;
  };
  /** Multi-region consistency of the global table (owner only). @default 'eventual' */
  readonly consistency?: Consistency;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Where alarms go. @default - alarms without actions */
  readonly alarmAction?: IAlarmAction;
  /** Lambda functions agents may brake with their `hardStop` policy. @default - none */
  readonly hardStopFunctionArns?: readonly string[];
  /** Host the dashboard on S3 + CloudFront (build it first: `npm run build:dashboard`). @default false */
  readonly dashboard?: boolean;
}

/** `protect`'s options. */
export interface ProtectOptions {
  /** The agent the function works for. */
  readonly agentId: string;
  /** Brake the function (reserved concurrency 0) on the agent's kill. @default true (needs a functionName) */
  readonly hardStop?: boolean;
  /**
   * Mint the agent's key at deploy into a Secrets Manager secret the function may read
   * (`HALT_AGENT_KEY_SECRET`; the middleware reads it at cold start); the agent is created if
   * it does not exist. Removing the function (or this option) revokes the key. @default false:
   * give the function `HALT_AGENT_KEY` yourself
   */
  readonly createKey?: boolean;
}

export class HaltControlPlane extends Construct {
  public readonly table: ITableV2;
  public readonly eventBus: EventBus;
  public readonly websocket: HaltWebSocketApi;
  public readonly restApi: HaltRestApi;
  public readonly pipeline: StreamPipeline;
  public readonly sweeper: SweeperSchedule;
  /** Encrypts MCP server headers (multi-Region: primary here when this stack owns the table). */
  public readonly mcpHeaderKey: McpHeaderKey;
  public readonly alarms: HaltAlarms;
  public readonly doctor: DoctorProbe;
  public readonly reminders: StopReminders;
  /** The deployment's other regions (its functions reach their replicas and connections). */
  public readonly otherRegions: readonly string[];
  /** Functions a hard stop may brake: the props' and those `protect` added. */
  private readonly hardStopArns: string[] = [];
  /** `agentId=functionArn` of every protected function (the consumer brakes them on the agent's kill). */
  private readonly protectedPairs: string[] = [];
  /** What Halt's functions are configured with (the key provisioner is made on first use). */
  private readonly functionEnvironment: Record<string, string>;
  private readonly logRetention?: RetentionDays;
  private agentKeys?: AgentKeys;
  public readonly dashboard?: DashboardHosting;

  public constructor(scope: Construct, id: string, props: HaltControlPlaneProps = {}) {
    super(scope, id);
    this.hardStopArns.push(...(props.hardStopFunctionArns ?? []));
    if (props.replicaOf && props.replicaRegions && props.replicaRegions.length > 0) {
      throw new Error('HaltControlPlane: give either replicaRegions (this stack owns the global table) or replicaOf (another stack does), not both');
    }
    if (props.replicaOf && props.consistency) {
      throw new Error('HaltControlPlane: consistency is set where the global table is owned; remove it from the replicaOf stack');
    }
    this.table = props.replicaOf ? this.replicaTable(props.replicaOf.tableName) : this.ownTable(props);
    this.eventBus = createEventBus(this, 'Events');
    const ownRegion = Stack.of(this).region;
    // One write region (the table owner's) for agent items; every region confirms each change.
    const writeRegion = props.replicaOf?.writeRegion ?? ownRegion;
    const regions = props.replicaOf
      ? [...new Set([writeRegion, ownRegion, ...(props.replicaOf.regions ?? [])])]
      : [ownRegion, ...(props.replicaRegions ?? [])];
    const otherRegions = regions.filter((r) => r !== ownRegion);
    this.otherRegions = otherRegions;
    const environment = {
      ...(otherRegions.length > 0 ? { HALT_REGIONS: regions.join(','), HALT_WRITE_REGION: writeRegion } : {}),
      HALT_STATE_TABLE: this.table.tableName,
      HALT_EVENT_BUS: this.eventBus.eventBusName,
      HALT_LOG_LEVEL: props.logLevel ?? 'INFO',
      // What a hardStop policy may name: checked when a policy is set, not at the first kill;
      // functions `protect` adds later join the list.
      ...(this.hardStopArns.length > 0 ? { HALT_HARD_STOP_FUNCTIONS: Lazy.string({ produce: () => this.hardStopArns.join(',') }) } : {}),
    };
    this.functionEnvironment = environment;
    if (props.logRetention) this.logRetention = props.logRetention;
    const retention = props.logRetention ? { logRetention: props.logRetention } : {};
    this.websocket = new HaltWebSocketApi(this, 'WebSocket', { stateTable: this.table, eventBus: this.eventBus, environment, otherRegions, ...retention });
    this.pipeline = new StreamPipeline(this, 'Pipeline', {
      table: this.table,
      eventBus: this.eventBus,
      environment,
      websocket: this.websocket,
      ...(props.hardStopFunctionArns ? { hardStopFunctionArns: props.hardStopFunctionArns } : {}),
      ...retention,
    });
    this.mcpHeaderKey = new McpHeaderKey(this, 'McpHeaderKey', props.replicaOf?.mcpKeyArn ? { primaryKeyArn: props.replicaOf.mcpKeyArn } : {});
    this.restApi = new HaltRestApi(this, 'Rest', {
      table: this.table,
      eventBus: this.eventBus,
      environment,
      websocket: this.websocket,
      mcpHeaderKeyArn: this.mcpHeaderKey.keyArn,
      failedBatches: { bucket: this.pipeline.failedBatches, consumer: this.pipeline.consumer },
      otherRegions,
      ...retention,
    });
    if (otherRegions.length > 0) this.registerRegion(ownRegion);
    this.reminders = new StopReminders(this, 'Reminders', {
      table: this.table,
      environment,
      websocket: this.websocket,
      ...(props.alarmAction ? { alarmAction: props.alarmAction } : {}),
      ...retention,
    });
    this.reminders.sendsReminders(this.pipeline.consumer);
    this.sweeper = new SweeperSchedule(this, 'Sweep', {
      table: this.table,
      eventBus: this.eventBus,
      environment,
      websocket: this.websocket,
      ...retention,
    });
    this.doctor = new DoctorProbe(this, 'Doctor', { table: this.table, eventBus: this.eventBus, environment, ...retention });
    if (props.dashboard) {
      this.dashboard = new DashboardHosting(this, 'Dashboard', { restApi: this.restApi.api, webSocketUrl: this.websocket.url });
    }
    this.alarms = new HaltAlarms(this, 'Alarms', {
      consumer: this.pipeline.consumer,
      consumerLogs: this.pipeline.consumer.logGroup,
      failedBatches: this.pipeline.failedBatches,
      failedBatchMetricsId: StreamPipeline.FAILED_BATCH_METRICS_ID,
      restApi: this.restApi.api,
      ...(props.alarmAction ? { action: props.alarmAction } : {}),
    });
  }

  /**
   * Put a Lambda-hosted agent's function under Halt (one line for the user):
   * `halt.protect(myFunction, { agentId: 'email-campaign' })`. The function may read its
   * agent's items in this region's replica and nothing else (`haltMiddleware`'s direct status
   * reads), and gets the environment the middleware reads (`HALT_URL`, `HALT_AGENT_ID`,
   * `HALT_STATE_TABLE`). Unless `hardStop: false`, it is allow-listed for the hard stop
   * (reserved concurrency 0 on the agent's kill, restored on resume, whatever its policy says):
   * that needs the function's `functionName` set, so Halt's configuration names it by an ARN
   * made of the name (its generated name would make Halt's functions depend on it, and it
   * depends on Halt's API: a cycle).
   */
  public protect(fn: LambdaFunction, options: ProtectOptions): void {
    if (!ID_PATTERN.test(options.agentId)) throw new Error(`protect: agentId "${options.agentId}" is not an agent id (lowercase letters, digits, - _ . ; up to 64)`);
    const brakeable = options.hardStop ?? true;
    // The name given to the function (`fn.functionName` is always a reference to it).
    const physicalName = (fn.node.defaultChild as CfnFunction | undefined)?.functionName;
    if (brakeable && (physicalName === undefined || Token.isUnresolved(physicalName))) {
      throw new Error(`protect: give ${fn.node.path} a functionName (e.g. "${options.agentId}-agent") so Halt can allow-list it for the hard stop, or pass hardStop: false`);
    }
    const statement = protectedReadStatement(options.agentId, this.table.tableArn);
    fn.addToRolePolicy(new PolicyStatement({ actions: [...statement.actions], resources: [...statement.resources], conditions: statement.condition }));
    fn.addEnvironment('HALT_URL', this.restApi.url);
    fn.addEnvironment('HALT_AGENT_ID', options.agentId);
    fn.addEnvironment('HALT_STATE_TABLE', this.table.tableName);
    if (options.createKey) {
      this.agentKeys ??= new AgentKeys(this, 'AgentKeys', {
        table: this.table,
        environment: this.functionEnvironment,
        otherRegions: this.otherRegions,
        ...(this.logRetention ? { logRetention: this.logRetention } : {}),
      });
      const secret = this.agentKeys.provision(fn, 'HaltAgentKey', { agentId: options.agentId, keyName: `protect:${physicalName ?? fn.node.path}` });
      const statement = protectedKeyStatement(secret.secretArn);
      fn.addToRolePolicy(new PolicyStatement({ actions: statement.actions, resources: statement.resources }));
      fn.addEnvironment('HALT_AGENT_KEY_SECRET', secret.secretArn);
    }
    if (!brakeable) return;
    const arn = Stack.of(this).formatArn({ service: 'lambda', resource: 'function', resourceName: physicalName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    if (this.hardStopArns.length === 0) {
      // No list yet: every Halt function learns it now (lazily, so later `protect`s join it).
      for (const halt of this.node.findAll().filter((c): c is HaltFunction => c instanceof HaltFunction)) {
        halt.addEnvironment('HALT_HARD_STOP_FUNCTIONS', Lazy.string({ produce: () => this.hardStopArns.join(',') }));
      }
    }
    this.hardStopArns.push(arn);
    this.pipeline.allowHardStop(arn);
    // The consumer brakes it on the agent's kill, whatever the agent's policy names.
    if (this.protectedPairs.length === 0) this.pipeline.consumer.addEnvironment('HALT_PROTECTED_FUNCTIONS', Lazy.string({ produce: () => this.protectedPairs.join(',') }));
    this.protectedPairs.push(`${options.agentId}=${arn}`);
  }

  private ownTable(props: HaltControlPlaneProps): TableV2 {
    return new StateTable(this, 'State', {
      definition: STATE_TABLE,
      ...(props.replicaRegions ? { replicaRegions: props.replicaRegions } : {}),
      ...(props.consistency ? { consistency: props.consistency } : {}),
    }).table;
  }

  /**
   * This region's entry in the region registry (a state-table item, replicated): the other
   * regions read its WebSocket management endpoint to push to its connections directly.
   */
  private registerRegion(region: string): void {
    const { pk, sk } = keys.region(region);
    new AwsCustomResource(this, 'RegionRegistry', {
      onUpdate: {
        service: 'DynamoDB',
        action: 'putItem',
        parameters: {
          TableName: this.table.tableName,
          Item: { pk: { S: pk }, sk: { S: sk }, itemType: { S: 'region' }, region: { S: region }, managementEndpoint: { S: this.websocket.pushEnvironment.HALT_WEBSOCKET_ENDPOINT } },
        },
        physicalResourceId: PhysicalResourceId.of(`halt-region-${region}`),
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: this.table.tableName })],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys('region') } },
        }),
      ]),
      installLatestAwsSdk: false,
    });
  }

  /** The replica in this region: its stream ARN is only known there, so it is looked up at deploy time. */
  private replicaTable(tableName: string): ITableV2 {
    const lookup = new AwsCustomResource(this, 'ReplicaStream', {
      onUpdate: {
        service: 'DynamoDB',
        action: 'describeTable',
        parameters: { TableName: tableName },
        physicalResourceId: PhysicalResourceId.of(`${tableName}-stream`),
        outputPaths: ['Table.LatestStreamArn'],
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({
        resources: [Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName })],
      }),
      installLatestAwsSdk: false,
    });
    return TableV2.fromTableAttributes(this, 'State', {
      tableName,
      tableStreamArn: lookup.getResponseField('Table.LatestStreamArn'),
    });
  }
}
