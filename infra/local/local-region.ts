/**
 * One region of the local control plane: its own DynamoDB Local engine (data on disk), its
 * tables, the REST gateway hosting the handlers, and the stream poller feeding the stream
 * consumer. Handlers get this region's dependencies; nothing else differs from Lambda.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { createAuthorizer } from '../../lambdas/authorizer/authorizer';
import { loadConfig, type HaltConfig } from '../../lambdas/config/config';
import { createDependencies, type Dependencies } from '../../lambdas/config/dependencies';
import { CONNECTIONS_TABLE, passesStateStreamFilter, STATE_TABLE } from '../../lambdas/adapters/dynamo/table-schema';
import { createStreamConsumer } from '../../lambdas/stream-consumer/stream-consumer';
import { createSweeper } from '../../lambdas/sweeper/sweeper';
import { startDynamoEngine, type DynamoEngine } from './dynamo-engine';
import { createDashboardHandler } from './dashboard-server';
import { startHttpGateway, type HttpGateway } from './http-gateway';
import { lambdaContext } from './lambda-context';
import { createRouteHandlers } from './route-handlers';
import { startStreamPoller, type StreamPoller } from './stream-poller';
import { startScheduler, type Scheduler } from './scheduler';
import type { LambdaStandIn } from './lambda-stand-in';
import { startFunctionPool, type FunctionPool } from './function-pool';
import { ensureTable } from './tables';
import { startWebSocketGateway, type WebSocketGateway } from './websocket-gateway';
import { SOCKET_ROUTES, type SocketRouteDefinition } from '../../lambdas/edge/websocket/socket-routes';
import { connectRoute } from '../../lambdas/websocket/connect';
import { disconnectRoute } from '../../lambdas/websocket/disconnect';
import type { SocketHandler } from '../../lambdas/edge/websocket/define-socket-route';
import type { WebSocketResult } from '../../lambdas/edge/websocket/events';
import { HOSTED_FUNCTIONS, type HostedFunction } from './function-thread';
import { invocationLimit } from './invocation-limit';
import { createSocketAuthorizer } from '../../lambdas/websocket/socket-authorizer';

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
  /** The REST stage's throttle, per method. @default the stack's (REST_STAGE_THROTTLE) */
  readonly restThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logLevel: HaltConfig['logLevel'];
  /** How often the sweeper runs. @default 30000 */
  readonly sweepIntervalMs?: number;
  readonly onError?: (error: Error) => void;
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
  readonly deps: Dependencies;
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
  stop(): Promise<void>;
}

/** Lambda's event filters (`STATE_STREAM_FILTERS`) applied to one record. */
export const passesStreamFilter = (record: DynamoDBRecord): boolean => {
  const data = record.dynamodb;
  return data !== undefined && passesStateStreamFilter({ ...(data.Keys ? { Keys: data.Keys } : {}), ...(data.NewImage ? { NewImage: data.NewImage } : {}) });
};

/** Connections per shard of a local fan-out (see `HALT_PUSH_SHARD_SIZE` below). */
const LOCAL_SHARD_SIZE = 200;

/** The WebSocket message routes with a function (`ack`, `heartbeat`), from the stack's table. */
const SOCKET_MESSAGE_ROUTES = (Object.values(SOCKET_ROUTES) as SocketRouteDefinition[]).filter((route) => route.message);

export const startLocalRegion = async (options: LocalRegionOptions): Promise<LocalRegion> => {
  mkdirSync(options.dataDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const engine: DynamoEngine = await startDynamoEngine({
      dataDir: join(options.dataDir, 'dynamodb'),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => engine.stop());

    const websocket = await startWebSocketGateway({
      region: options.region,
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
      HALT_EVENTS_ENDPOINT: options.eventsEndpoint,
      ...(options.lambda ? { HALT_LAMBDA_ENDPOINT: options.lambda.endpoint, HALT_PUSH_WORKER_FUNCTION: `halt-push-worker-${options.region}` } : {}),
      // Locally a caller runs on the gateways' own event loop, beside everything else (in AWS
      // it is a Lambda of its own): it hands every shard to the push worker threads, shards of
      // 200 spread over them.
      HALT_PUSH_SHARD_SIZE: String(options.push?.shardSize ?? LOCAL_SHARD_SIZE),
      HALT_PUSH_CALLER_SHARD: 'false',
      ...(options.hardStopFunctionArns?.length ? { HALT_HARD_STOP_FUNCTIONS: options.hardStopFunctionArns.join(',') } : {}),
      ...(options.push?.concurrency ? { HALT_PUSH_CONCURRENCY: String(options.push.concurrency) } : {}),
      HALT_LOG_LEVEL: options.logLevel,
    });
    const deps = createDependencies(config);
    // As in AWS, the push worker and the message routes are different functions: neither's
    // invocations wait behind the other's (a thousand acknowledgements must not delay a push).
    const pushEnvironments = startFunctionPool({ config, threads: options.push?.threads ?? 2 });
    const routeEnvironments = startFunctionPool({ config, threads: 1 });
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
    const hosted = (fn: string): SocketHandler => {
      if (!(HOSTED_FUNCTIONS as readonly string[]).includes(fn)) throw new Error(`no local Lambda environment hosts ${fn}: add it to HOSTED_FUNCTIONS`);
      return (event) => functions.invoke(fn as HostedFunction, event) as Promise<WebSocketResult>;
    };
    const provider = () => deps;

    const admin = new DynamoDBClient({ region: options.region, endpoint: engine.endpoint, credentials: LOCAL_CREDENTIALS });
    const { streamArn } = await ensureTableWithStream(admin);
    await ensureTable({ client: admin, tableName: LOCAL_CONNECTIONS_TABLE, table: CONNECTIONS_TABLE });
    admin.destroy();
    /** A route run on the gateways' event loop, invocations limited and timed as in Lambda. */
    const limited = (name: string, handler: SocketHandler): SocketHandler => {
      const limit = invocationLimit({ functionName: `halt-ws-${name}-${options.region}`, region: options.region });
      return (event) => limit.run((context) => handler(event, context));
    };
    websocket.setRoutes({
      authorizer: createSocketAuthorizer(provider),
      connect: limited('connect', connectRoute.create(provider)),
      disconnect: limited('disconnect', disconnectRoute.create(provider)),
      default: hosted('ws-default'),
      // The stack's table of routes: message routes by action, MOCK routes answered by the gateway.
      actions: Object.fromEntries(SOCKET_MESSAGE_ROUTES.map((route) => [route.routeKey, hosted(`ws-${route.routeKey}`)])),
      mocks: (Object.values(SOCKET_ROUTES) as SocketRouteDefinition[]).filter((route) => !route.entry).map((route) => route.routeKey),
    });

    const consumer = createStreamConsumer(provider);
    const poller: StreamPoller = startStreamPoller({
      streamsClient: new DynamoDBStreamsClient({ region: options.region, endpoint: engine.endpoint, credentials: LOCAL_CREDENTIALS }),
      streamArn,
      region: options.region,
      filter: passesStreamFilter,
      checkpointFile: join(options.dataDir, 'stream-checkpoints.json'),
      handler: (event) => consumer(event, lambdaContext({ functionName: 'halt-stream-consumer', region: options.region })),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => poller.stop());

    const sweeper = createSweeper(provider);
    const scheduler = startScheduler({
      jobs: [
        {
          name: 'sweeper',
          everyMs: options.sweepIntervalMs ?? 30_000,
          run: () =>
            sweeper(
              { version: '0', id: 'local', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: new Date().toISOString(), region: options.region, resources: [], detail: {} },
              lambdaContext({ functionName: 'halt-sweeper', region: options.region }),
            ),
        },
      ],
      ...(options.onError ? { onError: options.onError } : {}),
    });
    cleanups.push(() => scheduler.stop());

    const gateway: HttpGateway = await startHttpGateway({
      region: options.region,
      ...(options.host ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      handlers: createRouteHandlers(provider),
      authorizer: createAuthorizer(provider),
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
      scheduler,
      streamIdle: () => poller.idle(),
      functions,
      ready: () => gateway.ready(),
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
