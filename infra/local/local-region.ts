/**
 * One region of the local control plane: its own DynamoDB Local engine (data on disk), its
 * tables, the REST gateway hosting the handlers, and the stream poller feeding the stream
 * consumer. Handlers get this region's dependencies; nothing else differs from Lambda.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createAuthorizer } from '../../lambdas/authorizer/authorizer';
import { loadConfig, type HaltConfig } from '../../lambdas/config/config';
import { createDependencies, type Dependencies, type DependencyProvider } from '../../lambdas/config/dependencies';
import { CONNECTIONS_TABLE, MAX_EVENT_FILTERS, passesStateStreamFilter, STATE_STREAM_FILTERS, STATE_TABLE } from '../../lambdas/adapters/dynamo/table-schema';
import { createStreamConsumer } from '../../lambdas/stream-consumer/stream-consumer';
import { createSweeper } from '../../lambdas/sweeper/sweeper';
import { startDynamoEngine, type DynamoEngine } from './dynamo-engine';
import { createDashboardHandler } from './dashboard-server';
import { startHttpGateway, type HttpGateway } from './http-gateway';
import { invokeTimed, type Invoke } from './lambda-context';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { RestHandler } from '../../lambdas/edge/http/define-route';
import type { RouteId } from '../../lambdas/edge/route-table';
import { createRouteHandlers } from './route-handlers';
import { startStreamPoller, type StreamPoller } from './stream-poller';
import { startScheduler, type Scheduler } from './scheduler';
import type { LambdaStandIn } from './lambda-stand-in';
import { startFunctionPool, type FunctionPool } from './function-pool';
import { ensureTable } from './tables';
import { LOCAL_WEBSOCKET_API, LOCAL_WEBSOCKET_STAGE, startWebSocketGateway, type SocketInvoke, type WebSocketGateway } from './websocket-gateway';
import { SOCKET_ROUTES, type SocketRouteDefinition } from '../../lambdas/edge/websocket/socket-routes';
import { connectRoute } from '../../lambdas/websocket/connect';
import { disconnectRoute } from '../../lambdas/websocket/disconnect';
import type { SocketHandler } from '../../lambdas/edge/websocket/define-socket-route';
import type { WebSocketResult } from '../../lambdas/edge/websocket/events';
import { HOSTED_FUNCTIONS, hostedFunctionId, type HostedFunction } from './function-thread';
import { invocationLimit } from './invocation-limit';
import { createSocketAuthorizer } from '../../lambdas/websocket/socket-authorizer';
import { FUNCTION_IDS, restFunctionId, socketFunctionId } from '../function-ids';
import { LOCAL_ACCOUNT, LocalIam, localFunctionOf, stackPolicies, type AccessDenial, type LocalIamOptions } from './iam/local-iam';
import { startS3StandIn } from './s3-stand-in';
import { startSqsStandIn } from './sqs-stand-in';
import { startSecretsStandIn, type SecretsStandIn } from './secrets-stand-in';
import { createRemindStops } from '../../lambdas/reminders/remind-stops';
import type { SinkedEvent } from './event-sink';
import { createBusProbe } from '../../lambdas/doctor/bus-probe';
import { isDoctorEvent } from '../../lambdas/doctor/doctor-events';
import { invocationRecord } from './failed-batch-record';
import { STREAM_RETRY_ATTEMPTS } from '../../lambdas/adapters/dynamo/table-schema';
import type { FunctionPolicies } from './iam/policy';

export const LOCAL_STATE_TABLE = 'halt-state';
export const LOCAL_EVENT_BUS = 'halt-events';
export const LOCAL_CONNECTIONS_TABLE = 'halt-connections';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalRegionOptions {
  readonly region: string;
  /** This region's folder under the state dir. */
  readonly dataDir: string;
  readonly port?: number;
  /** WebSocket (and management API) port; 0 or absent: any free port. */
  readonly wsPort?: number;
  readonly host?: string;
  readonly eventsEndpoint: string;
  /** The Lambda stand-in: the hard stop's calls, and the push workers' invocations. */
  readonly lambda?: LambdaStandIn;
  /** The fan-out: connections per shard, posts in flight, worker threads. @default 200, 50, 2 */
  readonly push?: { readonly shardSize?: number; readonly concurrency?: number; readonly threads?: number };
  /** Lambda functions a `hardStop` policy may name. @default none */
  readonly hardStopFunctionArns?: readonly string[];
  /** Functions put under an agent, as the stack's `protect` does: braked on its kill (and allow-listed). @default none */
  readonly protectedFunctions?: Readonly<Record<string, readonly string[]>>;
  /** The WebSocket stage's throttle, per route. @default the stack's (SOCKET_STAGE_THROTTLE) */
  readonly socketThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** The REST stage's throttle, per method. @default the stack's (REST_STAGE_THROTTLE) */
  readonly restThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logLevel: HaltConfig['logLevel'];
  /**
   * Retries of a failing stream batch before it goes to the on-failure bucket, as the stack's
   * event source mapping. @default 10
   */
  readonly streamRetryAttempts?: number;
  /** How often the sweeper runs. @default 30000 */
  readonly sweepIntervalMs?: number;
  /** Seconds between reminders of a stop (1 to 15; tests shorten it). @default 15, as in the stack */
  readonly remindEverySeconds?: number;
  readonly onError?: (error: Error) => void;
  /**
   * The policy of each function. @default the stack's (infra/local/iam/function-policies.json);
   * tests give others to show what a missing grant does.
   */
  readonly iamPolicies?: FunctionPolicies;
  /** Shorter timeouts for some functions, by id (tests of the timeout). @default the stack's */
  readonly functionTimeoutsMs?: Readonly<Record<string, number>>;
  /** Hears every call the local IAM refuses (the runtime keeps them: `accessDenials`). */
  readonly onAccessDenied?: (denial: AccessDenial) => void;
  /**
   * The runtime's regions: each one's DynamoDB Local endpoint (this one's engine answers on
   * the port of its own), and the write region. @default this region alone
   */
  readonly deployment?: { readonly writeRegion: string; readonly dynamoEndpoints: Readonly<Record<string, string>> };
  /** Every region's IAM, by region (each region adds its own): a management API call from another region's function is held to that function's policy. */
  readonly iamDirectory?: Map<string, LocalIam>;
}

export interface LocalRegion {
  readonly region: string;
  readonly restUrl: string;
  readonly port: number;
  readonly wsUrl: string;
  readonly websocket: WebSocketGateway;
  readonly dynamoEndpoint: string;
  /** The region's DynamoDB Local (supervised: restarted if it dies). */
  readonly engine: DynamoEngine;
  /** The state table's stream (the replicator reads it too). */
  readonly streamArn: string;
  /**
   * Dependencies with the local runtime's own rights (no IAM check), for bootstrapping and
   * tests; each function runs with its own (`depsOf`).
   */
  readonly deps: Dependencies;
  /** What one function's handler gets: its own clients, checked against its policy. */
  depsOf(functionId: string): Dependencies;
  /** Runs the scheduled jobs (`sweeper`); `runNow` for tests and impatient operators. */
  readonly scheduler: Scheduler;
  /** Resolves once every stream record written so far has been handed to the consumer. */
  streamIdle(): Promise<void>;
  /**
   * The local Lambda environments (worker threads) of the push worker and the WebSocket
   * message routes: warm them before measuring, wait for them to be idle.
   */
  readonly functions: FunctionPool;
  /** Open the REST API (it answers 503 `starting` until the runtime has finished starting). */
  ready(): void;
  /** The region bus's rules (the local sink hands them each event put in this region). */
  onBusEvent(event: SinkedEvent): void;
  /** The stop reminders' queue: messages not yet handled, and a wait for those in hand. */
  readonly reminders: { pending(): number; idle(): Promise<void> };
  /** The region's Secrets Manager stand-in (provisioned agent keys). */
  readonly secrets: SecretsStandIn;
  stop(): Promise<void>;
}

/** Lambda's event filters (`STATE_STREAM_FILTERS`) applied to one record. */
export const passesStreamFilter = (record: DynamoDBRecord): boolean => {
  const data = record.dynamodb;
  return (
    data !== undefined &&
    passesStateStreamFilter({
      ...(record.eventName ? { eventName: record.eventName } : {}),
      ...(data.Keys ? { Keys: data.Keys } : {}),
      ...(data.NewImage ? { NewImage: data.NewImage } : {}),
    })
  );
};

const pushWorkerName = (region: string) => `halt-push-worker-${region}`;
const remindersQueueName = (region: string) => `halt-reminders-${region}`;
const consumerName = (region: string) => `halt-stream-consumer-${region}`;
const failedBatchesBucket = (region: string) => `halt-failed-batches-${region}`;

/** Connections per shard of a local fan-out (see `HALT_PUSH_SHARD_SIZE` below). */
const LOCAL_SHARD_SIZE = 200;

/** The WebSocket message routes with a function (`ack`, `heartbeat`), from the stack's table. */
const SOCKET_MESSAGE_ROUTES = (Object.values(SOCKET_ROUTES) as SocketRouteDefinition[]).filter((route) => route.message);

/**
 * The stream consumer's filters, checked as CreateEventSourceMapping checks them: more than
 * Lambda's quota (`MAX_EVENT_FILTERS`) would fail the deploy, so it fails the local start too.
 */
export const assertEventFilterQuota = (filters: readonly unknown[]): void => {
  if (filters.length > MAX_EVENT_FILTERS) {
    throw new Error(`the stream consumer has ${filters.length} event filters; Lambda takes at most ${MAX_EVENT_FILTERS} per event source mapping: merge some`);
  }
};

export const startLocalRegion = async (options: LocalRegionOptions): Promise<LocalRegion> => {
  assertEventFilterQuota(STATE_STREAM_FILTERS);
  mkdirSync(options.dataDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const ownEndpoint = options.deployment?.dynamoEndpoints[options.region];
    const engine: DynamoEngine = await startDynamoEngine({
      dataDir: join(options.dataDir, 'dynamodb'),
      ...(ownEndpoint ? { port: Number(new URL(ownEndpoint).port) } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => engine.stop());

    const regions = Object.keys(options.deployment?.dynamoEndpoints ?? { [options.region]: engine.endpoint });
    // What the consumer may brake: the allow-list and every protected function, as `protect` adds them.
    const protectedPairs = Object.entries(options.protectedFunctions ?? {}).flatMap(([agentId, arns]) => arns.map((arn) => `${agentId}=${arn}`));
    const brakeable = [...new Set([...(options.hardStopFunctionArns ?? []), ...Object.values(options.protectedFunctions ?? {}).flat()])];
    const iamOptions: LocalIamOptions = {
      region: options.region,
      otherRegions: regions.filter((r) => r !== options.region),
      names: {
        stateTable: LOCAL_STATE_TABLE,
        connectionsTable: LOCAL_CONNECTIONS_TABLE,
        eventBus: LOCAL_EVENT_BUS,
        pushWorker: pushWorkerName(options.region),
        webSocketApi: LOCAL_WEBSOCKET_API,
        failedBatches: failedBatchesBucket(options.region),
        streamConsumer: consumerName(options.region),
        mcpHeaderKey: `halt-mcp-headers-${options.region}`,
        remindersQueue: remindersQueueName(options.region),
      },
      hardStopFunctions: brakeable,
      partitionKeys: { [LOCAL_STATE_TABLE]: STATE_TABLE.partitionKey.name, [LOCAL_CONNECTIONS_TABLE]: CONNECTIONS_TABLE.partitionKey.name },
      ...(options.iamPolicies ? { policies: options.iamPolicies } : {}),
    };
    const iam = new LocalIam(iamOptions);
    options.iamDirectory?.set(options.region, iam);
    const denied = (denial: AccessDenial) => options.onAccessDenied?.(denial);
    // The stream consumer's on-failure destination: a bucket, as in the stack.
    // Stop reminders wait in a queue, each message delayed, as in the stack (SQS).
    const sqs = await startSqsStandIn({
      dir: join(options.dataDir, 'sqs'),
      region: options.region,
      queues: [{ name: remindersQueueName(options.region) }],
      ...(options.host ? { host: options.host } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => sqs.stop());
    const secrets = await startSecretsStandIn({ dir: join(options.dataDir, 'secrets'), region: options.region, ...(options.host ? { host: options.host } : {}) });
    cleanups.push(() => secrets.stop());
    const s3 = await startS3StandIn({ dir: join(options.dataDir, 's3'), buckets: [failedBatchesBucket(options.region)], ...(options.host ? { host: options.host } : {}) });
    cleanups.push(() => s3.stop());
    const websocket = await startWebSocketGateway({
      region: options.region,
      ...(options.socketThrottle ? { throttle: options.socketThrottle } : {}),
      authorize: ({ accessKeyId, method, connectionId }) => {
        // The caller may be a function of another region (a push straight to this region's
        // connections): it is held to its own region's policy, on this region's API.
        const callerIam = accessKeyId === undefined ? undefined : [...(options.iamDirectory?.values() ?? [iam])].find((candidate) => candidate.functionOfAccessKey(accessKeyId) !== undefined);
        const functionId = accessKeyId === undefined ? undefined : callerIam?.functionOfAccessKey(accessKeyId);
        if (callerIam === undefined || functionId === undefined) return { status: 403, type: 'ForbiddenException', message: 'The security token included in the request is invalid.' };
        const denial = callerIam.check(functionId, [callerIam.connectionRequest(method, LOCAL_WEBSOCKET_STAGE, connectionId, options.region)]);
        if (!denial) return undefined;
        denied(denial);
        return { status: 403, type: 'AccessDeniedException', message: denial.message };
      },
      ...(options.host ? { host: options.host } : {}),
      ...(options.wsPort !== undefined ? { port: options.wsPort } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => websocket.stop());

    const config = loadConfig({
      HALT_CONNECTIONS_TABLE: LOCAL_CONNECTIONS_TABLE,
      HALT_WEBSOCKET_ENDPOINT: websocket.managementEndpoint,
      AWS_REGION: options.region,
      HALT_STATE_TABLE: LOCAL_STATE_TABLE,
      HALT_EVENT_BUS: LOCAL_EVENT_BUS,
      HALT_DYNAMODB_ENDPOINT: engine.endpoint,
      HALT_REGIONS: regions.join(','),
      HALT_WRITE_REGION: options.deployment?.writeRegion ?? options.region,
      ...(options.deployment ? { HALT_DYNAMODB_ENDPOINTS: Object.entries(options.deployment.dynamoEndpoints).map(([r, url]) => `${r}=${url}`).join(',') } : {}),
      HALT_EVENTS_ENDPOINT: options.eventsEndpoint,
      ...(options.lambda ? { HALT_LAMBDA_ENDPOINT: options.lambda.endpoint, HALT_PUSH_WORKER_FUNCTION: pushWorkerName(options.region), HALT_STREAM_CONSUMER_FUNCTION: consumerName(options.region) } : {}),
      HALT_S3_ENDPOINT: s3.endpoint,
      HALT_SQS_ENDPOINT: sqs.endpoint,
      HALT_SECRETS_ENDPOINT: secrets.endpoint,
      // MCP server headers: one key file for every local region, as a multi-Region KMS key is.
      HALT_MCP_KEY_FILE: join(dirname(options.dataDir), 'mcp-headers.key'),
      HALT_REMINDERS_QUEUE: sqs.queueUrl(remindersQueueName(options.region)),
      ...(options.remindEverySeconds !== undefined ? { HALT_REMIND_EVERY_SECONDS: String(options.remindEverySeconds) } : {}),
      HALT_FAILED_BATCHES_BUCKET: failedBatchesBucket(options.region),
      // Locally a caller runs on the gateways' own event loop, beside everything else (in AWS
      // it is a Lambda of its own): it hands every shard to the push worker threads, shards of
      // 200 spread over them.
      HALT_PUSH_SHARD_SIZE: String(options.push?.shardSize ?? LOCAL_SHARD_SIZE),
      HALT_PUSH_CALLER_SHARD: 'false',
      ...(brakeable.length > 0 ? { HALT_HARD_STOP_FUNCTIONS: brakeable.join(',') } : {}),
      ...(protectedPairs.length > 0 ? { HALT_PROTECTED_FUNCTIONS: protectedPairs.join(',') } : {}),
      ...(options.push?.concurrency ? { HALT_PUSH_CONCURRENCY: String(options.push.concurrency) } : {}),
      HALT_LOG_LEVEL: options.logLevel,
    });
    const deps = createDependencies(config);
    const functionDeps = new Map<string, Dependencies>();
    const depsOf = (functionId: string): Dependencies => {
      let built = functionDeps.get(functionId);
      if (!built) {
        built = createDependencies(config, localFunctionOf(iam, functionId, denied));
        functionDeps.set(functionId, built);
      }
      return built;
    };
    const providerOf = (functionId: string): DependencyProvider => () => depsOf(functionId);
    /** How the stack configures a function: its name here, its timeout (tests may shorten it) and memory. */
    const runAs = (functionId: string) => {
      const configured = (options.iamPolicies ?? stackPolicies()).settings[functionId];
      if (!configured) throw new Error(`no settings for local function ${functionId}: run npm run local-iam`);
      return {
        functionName: `halt-${functionId.replace(/\//g, '-')}-${options.region}`,
        timeoutMs: options.functionTimeoutsMs?.[functionId] ?? configured.timeoutSeconds * 1000,
        memoryMb: configured.memoryMb,
      };
    };
    const timedRoutes = (handlers: Record<RouteId, RestHandler>): Record<RouteId, Invoke<APIGatewayProxyEvent, APIGatewayProxyResult>> => {
      const out = {} as Record<RouteId, Invoke<APIGatewayProxyEvent, APIGatewayProxyResult>>;
      for (const routeId of Object.keys(handlers) as RouteId[]) out[routeId] = timed(restFunctionId(routeId), handlers[routeId]);
      return out;
    };
    /** One invocation per call, failed past the function's timeout, as Lambda runs it. */
    const timed = <E, R>(functionId: string, handler: (event: E, context: Context) => Promise<R>) => {
      const invocation = { ...runAs(functionId), region: options.region };
      return (event: E): Promise<R> => invokeTimed(invocation, (context) => handler(event, context));
    };
    // As in AWS, the push worker and the message routes are different functions: neither's
    // invocations wait behind the other's (a thousand acknowledgements must not delay a push).
    const timeoutsMs = Object.fromEntries(HOSTED_FUNCTIONS.map((fn) => [fn, runAs(hostedFunctionId(fn)).timeoutMs])) as Record<HostedFunction, number>;
    const pool = { config, iam: iamOptions, timeoutsMs, onAccessDenied: denied };
    const pushEnvironments = startFunctionPool({ ...pool, threads: options.push?.threads ?? 2 });
    const routeEnvironments = startFunctionPool({ ...pool, threads: 1 });
    const functions: FunctionPool = {
      invoke: (fn, payload) => (fn === 'push-worker' ? pushEnvironments : routeEnvironments).invoke(fn, payload),
      warm: async () => {
        await Promise.all([pushEnvironments.warm(), routeEnvironments.warm()]);
      },
      idle: async () => {
        await Promise.all([pushEnvironments.idle(), routeEnvironments.idle()]);
      },
      stop: async () => {
        await Promise.all([pushEnvironments.stop(), routeEnvironments.stop()]);
      },
    };
    cleanups.push(() => functions.stop());
    const report = options.onError ?? ((error: Error) => console.error('[halt local lambda]', error.message));
    if (config.push.workerFunction) {
      options.lambda?.register(config.push.workerFunction, (payload) => {
        functions.invoke('push-worker', payload).catch(report);
      });
    }
    /** A message route, run in a local Lambda environment of its own. */
    const hosted = (fn: string): SocketInvoke => {
      if (!(HOSTED_FUNCTIONS as readonly string[]).includes(fn)) throw new Error(`no local Lambda environment hosts ${fn}: add it to HOSTED_FUNCTIONS`);
      return (event) => functions.invoke(fn as HostedFunction, event) as Promise<WebSocketResult>;
    };

    const admin = new DynamoDBClient({ region: options.region, endpoint: engine.endpoint, credentials: LOCAL_CREDENTIALS });
    const { streamArn } = await ensureTableWithStream(admin);
    await ensureTable({ client: admin, tableName: LOCAL_CONNECTIONS_TABLE, table: CONNECTIONS_TABLE });
    admin.destroy();
    // The region registry: the other regions post to this region's connections through it (in
    // AWS a custom resource writes it at deploy). Written at every start: ports may change.
    await deps.ctx.repository.putRegion({ region: options.region, managementEndpoint: websocket.managementEndpoint });
    /** A route run on the gateways' event loop, invocations limited and timed as in Lambda. */
    const limited = (functionId: string, handler: SocketHandler): SocketInvoke => {
      const limit = invocationLimit({ ...runAs(functionId), region: options.region });
      return (event) => limit.run((context) => handler(event, context));
    };
    websocket.setRoutes({
      authorizer: timed(FUNCTION_IDS.socketAuthorizer, createSocketAuthorizer(providerOf(FUNCTION_IDS.socketAuthorizer))),
      connect: limited(socketFunctionId(SOCKET_ROUTES.connect), connectRoute.create(providerOf(socketFunctionId(SOCKET_ROUTES.connect)))),
      disconnect: limited(socketFunctionId(SOCKET_ROUTES.disconnect), disconnectRoute.create(providerOf(socketFunctionId(SOCKET_ROUTES.disconnect)))),
      default: hosted('ws-default'),
      // The stack's table of routes: message routes by action, MOCK routes answered by the gateway.
      actions: Object.fromEntries(SOCKET_MESSAGE_ROUTES.map((route) => [route.routeKey, hosted(`ws-${route.routeKey}`)])),
      mocks: (Object.values(SOCKET_ROUTES) as SocketRouteDefinition[]).filter((route) => !route.entry).map((route) => route.routeKey),
    });

    const consumer = createStreamConsumer(providerOf(FUNCTION_IDS.streamConsumer));
    const runConsumer = timed(FUNCTION_IDS.streamConsumer, consumer);
    // Replays invoke the consumer function as Lambda would (synchronously, through the API).
    options.lambda?.register(consumerName(options.region), (payload) => runConsumer(payload as DynamoDBStreamEvent));
    const poller: StreamPoller = startStreamPoller({
      streamsClient: new DynamoDBStreamsClient({ region: options.region, endpoint: engine.endpoint, credentials: LOCAL_CREDENTIALS }),
      streamArn,
      region: options.region,
      filter: passesStreamFilter,
      checkpointFile: join(options.dataDir, 'stream-checkpoints.json'),
      handler: runConsumer,
      retryAttempts: options.streamRetryAttempts ?? STREAM_RETRY_ATTEMPTS,
      ...(options.streamRetryAttempts !== undefined ? { retryBaseDelayMs: 10 } : {}),
      onFailure: async (failed) => {
        const { key, body } = invocationRecord(failed, `arn:aws:lambda:${options.region}:${LOCAL_ACCOUNT}:function:${consumerName(options.region)}`);
        s3.put(failedBatchesBucket(options.region), key, body);
      },
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => poller.stop());

    // The reminders' event source mapping: the queue's visible messages, in batches of 10.
    sqs.consume(remindersQueueName(options.region), timed(FUNCTION_IDS.reminders, createRemindStops(providerOf(FUNCTION_IDS.reminders))));
    const sweeper = timed(FUNCTION_IDS.sweeper, createSweeper(providerOf(FUNCTION_IDS.sweeper)));
    const busProbe = timed(FUNCTION_IDS.busProbe, createBusProbe(providerOf(FUNCTION_IDS.busProbe)));
    const onBusEvent = (event: SinkedEvent) => {
      // The stack's rule: halt doctor's agents' events go to the bus probe (asynchronously).
      if (!isDoctorEvent(event)) return;
      busProbe(
        { version: '0', id: event.id, 'detail-type': event.detailType, source: event.source, account: LOCAL_ACCOUNT, time: event.time, region: options.region, resources: [], detail: event.detail as { agentId?: string } },
      ).catch(report);
    };
    const scheduler = startScheduler({
      jobs: [
        {
          name: 'sweeper',
          everyMs: options.sweepIntervalMs ?? 30_000,
          run: () =>
            sweeper({ version: '0', id: 'local', 'detail-type': 'Scheduled Event', source: 'aws.events', account: LOCAL_ACCOUNT, time: new Date().toISOString(), region: options.region, resources: [], detail: {} }),
        },
      ],
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => scheduler.stop());

    const gateway: HttpGateway = await startHttpGateway({
      region: options.region,
      ...(options.host ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      handlers: timedRoutes(createRouteHandlers(providerOf)),
      authorizer: timed(FUNCTION_IDS.restAuthorizer, createAuthorizer(providerOf(FUNCTION_IDS.restAuthorizer))),
      fallback: createDashboardHandler({ wsUrl: websocket.url, region: options.region }),
      ...(options.restThrottle ? { throttle: options.restThrottle } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => gateway.stop());

    return {
      region: options.region,
      restUrl: `${gateway.url}/v1`,
      port: gateway.port,
      wsUrl: websocket.url,
      websocket,
      dynamoEndpoint: engine.endpoint,
      engine,
      streamArn,
      deps,
      depsOf,
      scheduler,
      streamIdle: () => poller.idle(),
      reminders: { pending: () => sqs.pending(remindersQueueName(options.region)), idle: () => sqs.idle() },
      secrets,
      functions,
      ready: () => gateway.ready(),
      onBusEvent,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

const ensureTableWithStream = async (client: DynamoDBClient): Promise<{ streamArn: string }> => {
  const { streamArn } = await ensureTable({ client, tableName: LOCAL_STATE_TABLE, table: STATE_TABLE });
  if (!streamArn) throw new Error(`table ${LOCAL_STATE_TABLE} has no stream; delete the state dir's dynamodb folder and start again`);
  return { streamArn };
};
