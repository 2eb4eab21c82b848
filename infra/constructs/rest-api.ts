/**
 * The REST API: one Lambda per route of lambdas/route-table.ts (so each gets only the grant it
 * needs), the REQUEST authorizer on every route but the public ones (no result cache: a
 * revoked key stops at once), stage throttling, access logs, and gateway responses that keep
 * the API's error body.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REST_STAGE_THROTTLE, ROUTES, type RouteDefinition, type RouteId } from '../../lambdas/edge/route-table';
import { grantItemWrites, grantOtherReplicas, grantPeerPushes } from './grants';
import { HaltFunction } from './halt-function';
import { leadingKeys } from '../../lambdas/adapters/dynamo/table-schema';
import type { HaltWebSocketApi } from './websocket-api';
import { pascal } from '../function-ids';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { FAILED_BATCH_PREFIX } from '../../lambdas/adapters/s3-failed-batches';

export interface HaltRestApiProps {
  readonly table: ITableV2;
  /** The region's bus, for the routes that put events themselves (`publishes`). */
  readonly eventBus: IEventBus;
  /** Environment of every handler (table, bus, log level). */
  readonly environment: Record<string, string>;
  /** The region's WebSocket API, for the routes that push. @default - no pushes */
  readonly websocket?: HaltWebSocketApi;
  /** The stream consumer's failed-batches bucket and the consumer, for the replay routes. @default - no replay routes' access */
  readonly failedBatches?: { readonly bucket: IBucket; readonly consumer: IFunction };
  /** Steady-state requests per second of the stage. @default 200 */
  readonly throttlingRateLimit?: number;
  /** @default 400 */
  readonly throttlingBurstLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** The deployment's other regions: routes that change agent items reach their replicas. @default none */
  readonly otherRegions?: readonly string[];
  /** This region's MCP header key, for the routes that encrypt or decrypt headers. @default - those routes answer a configuration error */
  readonly mcpHeaderKeyArn?: string;
}


export class HaltRestApi extends Construct {
  public readonly api: RestApi;
  public readonly authorizerFunction: HaltFunction;
  public readonly routeFunctions: Readonly<Record<RouteId, HaltFunction>>;
  /** Base URL of the API, ending in `/v1`. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: HaltRestApiProps) {
    super(scope, id);
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention, removalPolicy: RemovalPolicy.RETAIN });

    this.api = new RestApi(this, 'Api', {
      restApiName: `halt-${Stack.of(this).stackName}`,
      description: 'Halt control plane REST API',
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'api',
        tracingEnabled: true,
        // per method, as API Gateway applies a stage's limits (route-table.ts)
        throttlingRateLimit: props.throttlingRateLimit ?? REST_STAGE_THROTTLE.rateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit ?? REST_STAGE_THROTTLE.burstLimit,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const environment = { ...props.environment, ...(props.websocket?.pushEnvironment ?? {}) };
    this.authorizerFunction = new HaltFunction(this, 'Authorizer', {
      entry: 'authorizer/authorizer.ts',
      environment,
      logRetention: retention,
    });
    // Authentication reads keys; the only write is `lastUsedAt` on key-by-id items.
    props.table.grantReadData(this.authorizerFunction);
    grantItemWrites({ fn: this.authorizerFunction, table: props.table, actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('keyById') });
    const authorizer = new RequestAuthorizer(this, 'KeyAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: [IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(0),
    });

    const functions: Partial<Record<RouteId, HaltFunction>> = {};
    for (const [routeId, route] of Object.entries(ROUTES) as [RouteId, RouteDefinition][]) {
      const failedBatches = route.failedBatches ? props.failedBatches : undefined;
      const fn = new HaltFunction(this, pascal(routeId), {
        entry: route.entry,
        environment: {
          ...environment,
          ...(failedBatches ? { HALT_FAILED_BATCHES_BUCKET: failedBatches.bucket.bucketName } : {}),
          ...(failedBatches && route.failedBatches === 'replay' ? { HALT_STREAM_CONSUMER_FUNCTION: failedBatches.consumer.functionName } : {}),
          ...(route.mcpHeaders && props.mcpHeaderKeyArn ? { HALT_MCP_KEY_ID: props.mcpHeaderKeyArn } : {}),
        },
        logRetention: retention,
        description: `Halt ${route.method} ${route.path}`,
        ...(route.fn ? { memorySize: route.fn.memoryMb, timeout: Duration.seconds(route.fn.timeoutSeconds) } : {}),
      });
      // Every route reads; writes only the item kinds it owns (route-table.ts says which).
      props.table.grantReadData(fn);
      if (route.writes) grantItemWrites({ fn, table: props.table, actions: route.writes.actions, prefixes: route.writes.prefixes });
      if (route.writes?.everyRegion) grantOtherReplicas({ fn, table: props.table, regions: props.otherRegions ?? [], writes: route.writes });
      if (route.writes?.everyRegion && route.connections === 'push') grantPeerPushes(fn, props.otherRegions ?? []);
      if (route.connections === 'push') props.websocket?.grantPush(fn);
      if (route.publishes) props.eventBus.grantPutEventsTo(fn);
      // The registry encrypts header values, the MCP endpoint decrypts them: one action each, this region's key.
      if (route.mcpHeaders && props.mcpHeaderKeyArn) {
        fn.addToRolePolicy(new PolicyStatement({ actions: [route.mcpHeaders === 'encrypt' ? 'kms:Encrypt' : 'kms:Decrypt'], resources: [props.mcpHeaderKeyArn] }));
      }
      if (failedBatches) {
        // Lambda's records only (`aws/lambda/…`): list them, read them; a replay removes each once through.
        fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [failedBatches.bucket.bucketArn] }));
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: route.failedBatches === 'replay' ? ['s3:GetObject', 's3:DeleteObject'] : ['s3:GetObject'],
            resources: [failedBatches.bucket.arnForObjects(`${FAILED_BATCH_PREFIX}*`)],
          }),
        );
        if (route.failedBatches === 'replay') fn.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [failedBatches.consumer.functionArn] }));
      }
      const resource = this.api.root.resourceForPath(route.path);
      resource.addMethod(route.method, new LambdaIntegration(fn), {
        ...(route.access.public ? { authorizationType: AuthorizationType.NONE } : { authorizer }),
      });
      functions[routeId] = fn;
    }
    this.routeFunctions = functions as Record<RouteId, HaltFunction>;

    // Gateway-made answers keep the API's error body. `message` is a JSON string literal:
    // `$context.error.messageString` is already quoted by API Gateway.
    const responses: [ResponseType, string | undefined, string, string][] = [
      [ResponseType.UNAUTHORIZED, '401', 'unauthorized', JSON.stringify('missing, unknown or revoked API key: send "Authorization: Bearer <key>"')],
      [ResponseType.ACCESS_DENIED, '403', 'forbidden', JSON.stringify('this key may not call this route (wrong role, or another agent)')],
      [ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'route_not_found', JSON.stringify('no such route; see docs/api.md')],
      [ResponseType.REQUEST_TOO_LARGE, '413', 'payload_too_large', JSON.stringify('body over the gateway limit')],
      [ResponseType.THROTTLED, '429', 'throttled', JSON.stringify('too many requests; retry with backoff')],
      [ResponseType.DEFAULT_4XX, undefined, 'invalid_request', '$context.error.messageString'],
      [ResponseType.DEFAULT_5XX, undefined, 'internal_error', '"internal error (request $context.requestId)"'],
    ];
    for (const [type, statusCode, code, message] of responses) {
      this.api.addGatewayResponse(`${pascal(code.replace(/_(.)/g, (_m, c: string) => c.toUpperCase()))}Response`, {
        type,
        ...(statusCode ? { statusCode } : {}),
        templates: { 'application/json': `{"error":{"code":"${code}","message":${message}}}` },
      });
    }
    this.url = `${this.api.url}v1`;
  }
}
