/**
 * The whole local control plane: the EventBridge sink and one region (more with issue-5's
 * replication), with the operator key bootstrapped. `npm start` and the integration tests
 * both start it through `startLocalRuntime`.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HaltConfig } from '../../lambdas/config/config';
import { startEventSink, type EventSink, type SinkedEvent } from './event-sink';
import { startLambdaStandIn, type LambdaStandIn } from './lambda-stand-in';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { STATE_TABLE } from '../../lambdas/adapters/dynamo/table-schema';
import { LOCAL_STATE_TABLE, startLocalRegion, type LocalRegion, type LocalRegionOptions } from './local-region';
import { startReplicator, type ReplicaEndpoint, type Replicator } from './replicator';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
import { bootstrapOperatorKey, type OperatorKeyResult } from './operator-key';
import { findFreePort } from './free-port';
import type { AccessDenial, LocalIam } from './iam/local-iam';

export interface LocalRuntimeOptions {
  /** Where data lives between restarts. @default '.halt' */
  readonly stateDir?: string;
  /** REST port of the first region; 0 picks a free one. @default 4700 */
  readonly port?: number;
  /** WebSocket port of the first region; 0 picks a free one. @default 4701 */
  readonly wsPort?: number;
  readonly host?: string;
  /** Make this key an operator key (HALT_OPERATOR_KEY). */
  readonly operatorKey?: string;
  /** 2 adds region `local-2` (REST and WebSocket ports +10) and replication between the two. @default 1 */
  readonly regions?: 1 | 2;
  /** The push fan-out of every region: connections per shard, posts in flight, worker threads. */
  readonly push?: LocalRegionOptions['push'];
  /** The REST stage's throttle, per method (tests scale it down). @default the stack's */
  readonly restThrottle?: LocalRegionOptions['restThrottle'];
  /** The WebSocket stage's throttle, per route (tests scale it down). @default the stack's */
  readonly socketThrottle?: LocalRegionOptions['socketThrottle'];
  /** Lambda functions a `hardStop` policy may name (the stack's `hardStopFunctionArns`). @default none */
  readonly hardStopFunctionArns?: readonly string[];
  /** Functions put under an agent, as the stack's `protect` does (`{ agentId: [functionArn] }`). @default none */
  readonly protectedFunctions?: LocalRegionOptions['protectedFunctions'];
  /** Shorter timeouts for some functions, by id (`Rest/ListAgents`): tests of the timeout. @default the stack's */
  readonly functionTimeoutsMs?: LocalRegionOptions['functionTimeoutsMs'];
  /** Retries of a failing stream batch before it goes to the failed-batches bucket (tests lower it). @default 10, the stack's */
  readonly streamRetryAttempts?: number;
  /** Seconds between reminders of a stop, 1 to 15 (tests shorten it). @default 15, the stack's */
  readonly remindEverySeconds?: number;
  /** Hold replicated writes back this long (fault tests). @default 0 */
  readonly replicationDelayMs?: number;
  /**
   * Start the local Lambda environments (push workers, message routes) before answering, as
   * warm functions: the first kill then does not wait a second or two for them to load.
   * `npm start` and the demo do; tests need not. @default false
   */
  readonly warm?: boolean;
  /**
   * Each function's IAM policy. @default the stack's (infra/local/iam/function-policies.json);
   * tests pass others to show what a missing grant does.
   */
  readonly iamPolicies?: LocalRegionOptions['iamPolicies'];
  /** @default 'WARN' */
  readonly logLevel?: HaltConfig['logLevel'];
  readonly onError?: (error: Error) => void;
}

export interface LocalRuntime {
  readonly stateDir: string;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly operator: OperatorKeyResult;
  readonly eventsFile: string;
  /** The local EventBridge (fault tests make it refuse puts). */
  readonly eventSink: EventSink;
  readonly regions: readonly LocalRegion[];
  /** Stands in for the Lambda API of the hard stop; calls are also in `<state dir>/lambda-calls.jsonl`. */
  readonly lambda: LambdaStandIn;
  /** Present with two regions. */
  readonly replicator?: Replicator;
  /**
   * Every call the local IAM has refused so far (a function called what its stack policy does
   * not allow): the tests' runtime fails a suite that leaves one here unexpected.
   */
  readonly accessDenials: readonly AccessDenial[];
  /** Resolves once every region's stream consumer has caught up with the writes made so far. */
  streamIdle(): Promise<void>;
  stop(): Promise<void>;
}

export const startLocalRuntime = async (options: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  // The AWS SDK warns, once per client package, that releases after January 2027 need Node 22.
  // Halt's Lambdas run on nodejs22.x; locally on Node 20 the notice is noise (docs/dependencies.md).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stateDir = resolve(options.stateDir ?? '.halt');
  mkdirSync(stateDir, { recursive: true });
  const eventsFile = join(stateDir, 'events.jsonl');
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop();
    started.length = 0;
  };
  const accessDenials: AccessDenial[] = [];
  try {
    // Each region's bus rules hear the events put in that region.
    const busRules = new Map<string, (event: SinkedEvent) => void>();
    const sink: EventSink = await startEventSink({ file: eventsFile, onEvent: (event, region) => busRules.get(region)?.(event) });
    started.push(sink);
    const lambda = await startLambdaStandIn({ callsFile: join(stateDir, 'lambda-calls.jsonl') });
    started.push(lambda);
    /** What every region gets alike (ports and folders differ): the options that are the regions'. */
    const { stateDir: _stateDir, port: _port, wsPort: _wsPort, operatorKey: _operatorKey, regions: _regions, replicationDelayMs: _delay, warm: _warm, logLevel, ...regionOptions } = options;
    const shared = {
      ...regionOptions,
      eventsEndpoint: sink.endpoint,
      lambda,
      onAccessDenied: (denial: AccessDenial) => {
        accessDenials.push(denial);
        if (['DEBUG', 'INFO', 'WARN', undefined].includes(logLevel)) console.warn(`[halt local IAM] ${denial.functionId}: ${denial.message}`);
      },
      logLevel: logLevel ?? 'WARN',
    } satisfies Partial<LocalRegionOptions>;
    // Every region's engine port is chosen first: each region's functions reach the others'
    // replicas (the write region's, and all of them to confirm a change).
    const regionNames = (options.regions ?? 1) === 2 ? ['local-1', 'local-2'] : ['local-1'];
    const deployment = {
      writeRegion: 'local-1',
      dynamoEndpoints: Object.fromEntries(await Promise.all(regionNames.map(async (r) => [r, `http://127.0.0.1:${await findFreePort()}`] as const))),
    };
    const iamDirectory = new Map<string, LocalIam>();
    // The regions start side by side (each waits mostly on its own DynamoDB Local's JVM); one
    // that fails to start has the others stopped with it.
    const next = (p: number | undefined, fallback: number) => (p === 0 ? 0 : (p ?? fallback) + 10);
    const starts = await Promise.allSettled(
      regionNames.map((name, index) =>
        startLocalRegion({
          ...shared,
          deployment,
          iamDirectory,
          region: name,
          dataDir: join(stateDir, name),
          port: index === 0 ? (options.port ?? 4700) : next(options.port, 4700),
          wsPort: index === 0 ? (options.wsPort ?? 4701) : next(options.wsPort, 4701),
        }),
      ),
    );
    const regions: LocalRegion[] = [];
    for (const start of starts) {
      if (start.status !== 'fulfilled') continue;
      started.push(start.value);
      busRules.set(start.value.region, start.value.onBusEvent);
      regions.push(start.value);
    }
    const failed = starts.find((start): start is PromiseRejectedResult => start.status === 'rejected');
    if (failed) throw failed.reason;
    const region = regions[0];
    if (!region) throw new Error('no region started');
    let replicator: Replicator | undefined;
    if (regions.length === 2) {
      const endpoint = (r: LocalRegion): ReplicaEndpoint => {
        const config = { region: r.region, endpoint: r.dynamoEndpoint, credentials: LOCAL_CREDENTIALS };
        return { region: r.region, client: new DynamoDBClient(config), streamsClient: new DynamoDBStreamsClient(config), streamArn: r.streamArn };
      };
      const running = await startReplicator({
        tableName: LOCAL_STATE_TABLE,
        keyNames: [STATE_TABLE.partitionKey.name, STATE_TABLE.sortKey.name],
        replicas: regions.map(endpoint),
        stateDir,
        ...(options.replicationDelayMs ? { delayMs: options.replicationDelayMs } : {}),
        ...(options.onError ? { onError: options.onError } : {}),
      });
      replicator = running;
      // Stops before the regions (it is pushed last, and stops run in reverse).
      started.push(running);
    }
    const operator = await bootstrapOperatorKey({
      ctx: region.deps.ctx,
      stateDir,
      ...(options.operatorKey ? { fromEnv: options.operatorKey } : {}),
    });
    if (options.warm) await Promise.all(regions.map((r) => r.functions.warm()));
    // Only now can every route be served (an operator key exists, every region is up).
    for (const r of regions) r.ready();
    return {
      stateDir,
      restUrl: region.restUrl,
      wsUrl: region.wsUrl,
      operator,
      eventsFile,
      eventSink: sink,
      regions,
      lambda,
      ...(replicator ? { replicator } : {}),
      accessDenials,
      streamIdle: async () => {
        // Twice: what a consumer writes while the first round settles (an audit event, a
        // folded stop marker) must reach the other region and its consumer too.
        for (let round = 0; round < (replicator ? 2 : 1); round++) {
          await replicator?.idle();
          await Promise.all(regions.map((r) => r.streamIdle()));
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};
