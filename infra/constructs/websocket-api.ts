/**
 * The WebSocket API of one region: the regional connections table, the `$connect` authorizer
 * (key from the Authorization header or `?token=`), the routes `$connect`, `$disconnect`,
 * `ack`, `heartbeat`, `ping` (keep-alive, MOCK) and `$default`, and a stage. Every function that pushes gets
 * `grantManageConnections` and the endpoint in its environment.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration, WebSocketMockIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableV2, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONNECTIONS_TABLE, leadingKeys } from '../../lambdas/adapters/dynamo/table-schema';
import { SOCKET_ROUTES, SOCKET_STAGE_THROTTLE, type SocketRouteDefinition } from '../../lambdas/edge/websocket/socket-routes';
import { grantItemWrites, grantOtherReplicas, grantPeerPushes } from './grants';
import { HaltFunction } from './halt-function';

export interface HaltWebSocketApiProps {
  /** The state table (agents, keys): the handlers read it and record heartbeats and acks. */
  readonly stateTable: ITableV2;
  /** The region's bus, for the routes that put events themselves (`publishes`). */
  readonly eventBus: IEventBus;
  /** Environment shared by every handler (state table, bus, log level). */
  readonly environment: Record<string, string>;
  /** @default 'live' */
  readonly stageName?: string;
  /** Steady-state messages per second of the stage. @default 500 */
  readonly throttlingRateLimit?: number;
  /** @default 1000 */
  readonly throttlingBurstLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** The deployment's other regions: routes that may stop the agent reach their replicas. @default none */
  readonly otherRegions?: readonly string[];
}

export class HaltWebSocketApi extends Construct {
  public readonly api: WebSocketApi;
  public readonly stage: WebSocketStage;
  public readonly connectionsTable: TableV2;
  /** The environment a function needs to push (connections table and management endpoint). */
  public readonly pushEnvironment: Record<string, string>;
  /** Posts the shards of a fan-out beyond the first (asynchronous invocations). */
  public readonly pushWorker: HaltFunction;
  /** `wss://…/{stage}`, where agents connect. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: HaltWebSocketApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'live';
    this.connectionsTable = new TableV2(this, 'Connections', {
      partitionKey: { name: CONNECTIONS_TABLE.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: CONNECTIONS_TABLE.sortKey.name, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: CONNECTIONS_TABLE.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `halt-ws-${Stack.of(this).stackName}`,
      description: 'Halt: pushes kills to connected agents',
      routeSelectionExpression: '$request.body.action',
    });
    const stack = Stack.of(this);
    // Built from the API id alone, so handlers behind the API can hold it without a cycle.
    const managementEndpoint = `https://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;
    const connectionsEnvironment = {
      HALT_CONNECTIONS_TABLE: this.connectionsTable.tableName,
      HALT_WEBSOCKET_ENDPOINT: managementEndpoint,
    };
    // The push worker posts the shards of a fan-out beyond the first. It hands nothing on, so
    // it gets the connections but not its own name; 1,024 MB buys it the CPU to sign and post
    // a few hundred requests at once, and a stale shard (over a minute old) is not retried.
    this.pushWorker = new HaltFunction(this, 'PushWorker', {
      entry: 'push-worker/push-worker.ts',
      environment: { ...props.environment, ...connectionsEnvironment },
      memorySize: 1024,
      timeout: Duration.seconds(60),
      description: 'Halt: posts one shard of a push fan-out',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.pushWorker.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.minutes(1) });
    this.connectionsTable.grantReadWriteData(this.pushWorker);
    this.api.grantManageConnections(this.pushWorker);
    // Shards of another region's connections (a change told straight to them) go to its endpoint.
    grantPeerPushes(this.pushWorker, props.otherRegions ?? []);
    this.pushEnvironment = { ...connectionsEnvironment, HALT_PUSH_WORKER_FUNCTION: this.pushWorker.functionName };
    const environment = { ...props.environment, ...this.pushEnvironment };
    const make = (name: string, entry: string) =>
      new HaltFunction(this, name, { entry, environment, ...(props.logRetention ? { logRetention: props.logRetention } : {}) });

    const authorizerFn = make('Authorizer', 'websocket/socket-authorizer.ts');
    props.stateTable.grantReadData(authorizerFn);
    grantItemWrites({ fn: authorizerFn, table: props.stateTable, actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('keyById') });

    // One function per route of the table (the keep-alive has none: a MOCK integration).
    for (const route of Object.values(SOCKET_ROUTES) as SocketRouteDefinition[]) {
      if (!route.entry) {
        // A MOCK integration answers only with a request template giving it a status code
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-mock-integration.html).
        const integration = new WebSocketMockIntegration(`${route.construct}Integration`, {
          requestTemplates: { $default: '{"statusCode": 200}' },
          templateSelectionExpression: '\\$default',
        });
        this.api.addRoute(route.routeKey, { integration });
        continue;
      }
      const fn = make(route.construct, route.entry);
      if (route.presence) {
        this.connectionsTable.grantReadWriteData(fn);
        // Presence: the instance item of the connecting agent, on the global table.
        grantItemWrites({ fn, table: props.stateTable, actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('agent') });
      } else {
        // Message routes answer on the connection (and may push).
        this.grantPush(fn);
      }
      if (route.message) {
        // Acks and heartbeats write the instance and usage items of their own agent only.
        props.stateTable.grantReadData(fn);
        grantItemWrites({ fn, table: props.stateTable, actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('agent') });
      }
      if ('everyRegion' in route && route.everyRegion) {
        grantOtherReplicas({ fn, table: props.stateTable, regions: props.otherRegions ?? [], writes: { actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('agent') } });
        grantPeerPushes(fn, props.otherRegions ?? []);
      }
      if (route.publishes) props.eventBus.grantPutEventsTo(fn);
      this.api.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${route.construct}Integration`, fn),
        // No identity source: browsers send the key as ?token=, others as a header; the
        // authorizer reads either and answers 401 itself when both are missing.
        ...(route.routeKey === '$connect' ? { authorizer: new WebSocketLambdaAuthorizer('KeyAuthorizer', authorizerFn, { identitySource: [] }) } : {}),
      });
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
      throttle: { rateLimit: props.throttlingRateLimit ?? SOCKET_STAGE_THROTTLE.rateLimit, burstLimit: props.throttlingBurstLimit ?? SOCKET_STAGE_THROTTLE.burstLimit },
    });
    this.url = this.stage.url;
  }

  /** Let `fn` push to connections: read them, remove gone ones, post through the API, hand shards to the push worker. */
  public grantPush(fn: IFunction): void {
    this.connectionsTable.grantReadWriteData(fn);
    this.api.grantManageConnections(fn);
    // The unqualified function only (`grantInvoke` would add every version, `…:*`).
    fn.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.pushWorker.functionArn] }));
  }
}
