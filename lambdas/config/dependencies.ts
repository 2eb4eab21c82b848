/**
 * Builds what handlers need from a configuration: clients, repository, publisher, logger.
 * Lambda builds them once per container from its environment; the local runtime builds one
 * set per region and hands it to the very same handler factories.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { FanOutNotifier } from '../adapters/push/fan-out-notifier';
import { LambdaPushWorkers } from '../adapters/push/lambda-push-workers';
import type { PushShard, ShardOutcome } from '../adapters/push/push-shard';
import { SignedHttpPoster } from '../adapters/push/signed-poster';
import { DynamoConnectionRepository, type ConnectionRepository } from '../adapters/dynamo/connections';
import type { DomainContext, RegionalAccess } from '../domain/context';
import type { ConnectionCloser, Notifier } from '../ports/notifier';
import { createDynamoRepository } from '../adapters/dynamo/dynamo-repository';
import type { FunctionThrottle, HardStopStore } from '../ports/hard-stop';
import { LambdaThrottle } from '../adapters/lambda-throttle';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import type { EventPublisher } from '../ports/event-publisher';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerWriter } from '../adapters/secrets-manager';
import type { SecretWriter } from '../ports/secrets';
import { SqsReminderQueue } from '../adapters/sqs-reminders';
import type { ReminderQueue } from '../ports/reminders';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { ManagementApiCloser } from '../adapters/push/connection-closer';
import { RegistryPeerPushes } from '../adapters/push/peer-pushes';
import { ConfigurationError, loadConfig, type HaltConfig } from './config';
import { KMSClient } from '@aws-sdk/client-kms';
import { HttpMcpUpstream } from '../adapters/http-mcp-upstream';
import { KmsHeaderCipher } from '../adapters/kms-header-cipher';
import { LocalKeyCipher } from '../adapters/local-key-cipher';
import type { HeaderCipher } from '../ports/header-cipher';
import type { McpUpstream } from '../ports/mcp-upstream';
import { S3FailedBatchStore } from '../adapters/s3-failed-batches';
import { LambdaConsumerInvoker } from '../adapters/lambda-consumer-invoker';
import type { FailedBatchStore, StreamConsumerInvoker } from '../ports/failed-batches';
import type { DoctorEventStore } from '../ports/doctor-events';

export interface Dependencies {
  readonly config: HaltConfig;
  readonly ctx: DomainContext;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /** The hard stop's brake (Lambda reserved concurrency) and where it saves settings. */
  readonly throttle: FunctionThrottle;
  readonly hardStopStore: HardStopStore;
  /** Bus events of `halt doctor`'s agents (the bus probe writes them, the doctor route reads them). */
  readonly doctorEvents: DoctorEventStore;
  /** Present when the region has a WebSocket API. */
  readonly connections?: ConnectionRepository;
  readonly notifier?: Notifier;
  /** Closes a revoked key's connections; present with the WebSocket API. */
  readonly closer?: ConnectionCloser;
  /** Post one shard of a fan-out (what a push worker does); present with the WebSocket API. */
  readonly pushShard?: (shard: PushShard) => Promise<ShardOutcome>;
  /** The consumer's failed stream batches, and the consumer to replay them (the replay routes). */
  readonly failedBatches?: { readonly store: FailedBatchStore; readonly consumer?: StreamConsumerInvoker };
  /** Where provisioned agent keys go (the client is made at the first write). */
  readonly secrets: SecretWriter;
  /** Encrypts and decrypts MCP server headers (throws a configuration error where none is set). */
  readonly cipher: HeaderCipher;
  /** Upstream MCP servers, over Streamable HTTP. */
  readonly upstream: McpUpstream;
}

/** How long the MCP endpoint waits for an upstream: under API Gateway's 29 s, with room to answer. */
export const MCP_UPSTREAM_TIMEOUT_MS = 25_000;

export type DependencyProvider = () => Dependencies;

/** Local endpoints accept any credentials; never used against AWS. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * How the local runtime runs one function: with credentials of its own (the local management
 * API knows the function by them) and a hook on every AWS SDK client the function builds (the
 * local IAM check). Lambda never sets it.
 */
export interface LocalFunction {
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  prepareClient?(
    client: DynamoDBClient | EventBridgeClient | LambdaClient | S3Client | SQSClient | SecretsManagerClient,
    service: 'dynamodb' | 'events' | 'lambda' | 's3' | 'sqs' | 'secretsmanager',
  ): void;
}

/** The repository's document client: attributes left undefined are not written. */
const documentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });

export const createDependencies = (config: HaltConfig, localFunction?: LocalFunction): Dependencies => {
  const local = config.dynamoEndpoint !== undefined;
  const localCredentials = localFunction?.credentials ?? LOCAL_CREDENTIALS;
  const dynamo = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint, credentials: localCredentials } : {}),
    ...(local ? { maxAttempts: 3 } : {}),
  });
  localFunction?.prepareClient?.(dynamo, 'dynamodb');
  const documents = documentClient(dynamo);
  const events = new EventBridgeClient({
    region: config.region,
    ...(config.eventsEndpoint ? { endpoint: config.eventsEndpoint, credentials: localCredentials } : {}),
  });
  localFunction?.prepareClient?.(events, 'events');
  /** A client of this region's Lambda API (push workers, the consumer's replays). */
  const lambdaClient = (): LambdaClient => {
    const client = new LambdaClient({
      region: config.region,
      ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint, credentials: localCredentials } : {}),
    });
    localFunction?.prepareClient?.(client, 'lambda');
    return client;
  };
  const logger = new Logger({
    serviceName: 'halt',
    logLevel: config.logLevel,
    persistentKeys: { region: config.region },
  });
  const repository = createDynamoRepository({ client: documents, tableName: config.stateTableName, region: config.region });
  let websocket: Pick<Dependencies, 'connections' | 'notifier' | 'pushShard' | 'closer'> = {};
  let peers: RegistryPeerPushes | undefined;
  if (config.websocket) {
    const connections = new DynamoConnectionRepository({ client: documents, tableName: config.websocket.connectionsTableName });
    const poster = new SignedHttpPoster({
      endpoint: config.websocket.managementEndpoint,
      region: config.region,
      // The same credentials the SDK clients resolve (Lambda's role; any, locally).
      credentials: local ? localCredentials : dynamo.config.credentials,
      maxSockets: config.push.concurrency,
    });
    const onError = (error: Error, connectionId: string) => logger.warn('push failed', { connectionId, error });
    const workerFunction = config.push.workerFunction;
    const workers = workerFunction ? new LambdaPushWorkers({ functionName: workerFunction, client: lambdaClient() }) : undefined;
    const notifier = new FanOutNotifier({
      connections,
      poster,
      ...(workers ? { workers } : {}),
      shardSize: config.push.shardSize,
      concurrency: config.push.concurrency,
      callerShard: config.push.callerShard,
      onError,
    });
    const management = new ApiGatewayManagementApiClient({
      region: config.region,
      endpoint: config.websocket.managementEndpoint,
      ...(local ? { credentials: localCredentials } : {}),
    });
    const peerRegions = config.regions.filter((r) => r !== config.region);
    const peerPushes =
      peerRegions.length > 0
        ? new RegistryPeerPushes({
            peers: peerRegions,
            lookup: (names) => repository.getRegions(names),
            credentials: local ? localCredentials : dynamo.config.credentials,
            concurrency: config.push.concurrency,
            shardSize: config.push.shardSize,
            ...(workers ? { workers } : {}),
            onError: (error, connectionId) => logger.warn('push to another region failed', { connectionId, error }),
          })
        : undefined;
    peers = peerPushes;
    websocket = {
      connections,
      notifier,
      closer: new ManagementApiCloser({ client: management, connections }),
      // A shard names its target when it holds another region's connections.
      pushShard: (shard) => {
        if (!shard.target) return notifier.postShard(shard);
        if (!peerPushes) throw new Error(`a shard for region ${shard.target.region}, which HALT_REGIONS does not name`);
        return peerPushes.postShard(shard);
      },
    };
  }
  let failedBatches: Dependencies['failedBatches'];
  if (config.failedBatches) {
    const s3 = new S3Client({
      region: config.region,
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true, credentials: localCredentials } : {}),
    });
    localFunction?.prepareClient?.(s3, 's3');
    const { consumerFunction } = config.failedBatches;
    let consumer: StreamConsumerInvoker | undefined;
    if (consumerFunction) consumer = new LambdaConsumerInvoker({ client: lambdaClient(), functionName: consumerFunction });
    failedBatches = { store: new S3FailedBatchStore({ client: s3, bucket: config.failedBatches.bucket }), ...(consumer ? { consumer } : {}) };
  }
  const publisher = new EventBridgePublisher({ client: events, eventBusName: config.eventBusName });
  /**
   * Another region's replica of the state table: the write region's (agent-item writes) and
   * every region's (confirming a change). Bounded timeouts and one retry: a region that does
   * not answer within about three seconds (two tries) is treated as down (a kill then falls back to a stop
   * marker here), not waited on for the SDK's default minutes.
   */
  const replicaIn = (region: string) => {
    if (region === config.region) return repository;
    const endpoint = config.regionDynamoEndpoints?.[region];
    const client = new DynamoDBClient({
      region,
      ...(endpoint ? { endpoint, credentials: localCredentials } : {}),
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_500, throwOnRequestTimeout: true },
      maxAttempts: 2,
    });
    localFunction?.prepareClient?.(client, 'dynamodb');
    return createDynamoRepository({ client: documentClient(client), tableName: config.stateTableName, region: config.region });
  };
  let reminders: ReminderQueue | undefined;
  if (config.remindersQueueUrl) {
    const sqs = new SQSClient({
      region: config.region,
      ...(config.sqsEndpoint ? { endpoint: config.sqsEndpoint, credentials: localCredentials } : {}),
    });
    localFunction?.prepareClient?.(sqs, 'sqs');
    reminders = new SqsReminderQueue({ client: sqs, queueUrl: config.remindersQueueUrl });
  }
  const replicas = config.regions.map((region) => ({ region, repository: replicaIn(region) }));
  const regions: RegionalAccess = {
    writeRegion: config.writeRegion,
    writer: replicas.find((r) => r.region === config.writeRegion)?.repository ?? repository,
    replicas,
  };
  const throttle = new LambdaThrottle({
    ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint, credentials: localCredentials } : {}),
    ...(localFunction?.prepareClient ? { prepareClient: (client: LambdaClient) => localFunction.prepareClient?.(client, 'lambda') } : {}),
  });
  let secretsClient: SecretsManagerClient | undefined;
  const secrets = new SecretsManagerWriter(() => {
    if (!secretsClient) {
      secretsClient = new SecretsManagerClient({
        region: config.region,
        ...(config.secretsEndpoint ? { endpoint: config.secretsEndpoint, credentials: localCredentials } : {}),
      });
      localFunction?.prepareClient?.(secretsClient, 'secretsmanager');
    }
    return secretsClient;
  });
  let kmsClient: KMSClient | undefined;
  const mcpHeaders = config.mcpHeaders;
  const unconfigured = () => Promise.reject(new ConfigurationError('MCP server headers need HALT_MCP_KEY_ID (the stack sets it) or HALT_MCP_KEY_FILE (local)'));
  const cipher: HeaderCipher = !mcpHeaders
    ? { encrypt: unconfigured, decrypt: unconfigured }
    : 'keyFile' in mcpHeaders
      ? new LocalKeyCipher(mcpHeaders.keyFile)
      : new KmsHeaderCipher(() => (kmsClient ??= new KMSClient({ region: config.region })), mcpHeaders.kmsKeyId);
  return {
    throttle,
    secrets,
    cipher,
    upstream: new HttpMcpUpstream(MCP_UPSTREAM_TIMEOUT_MS),
    hardStopStore: repository,
    doctorEvents: repository,
    config,
    ...(failedBatches ? { failedBatches } : {}),
    ...websocket,
    ctx: {
      repository,
      now: () => new Date(),
      region: config.region,
      publisher,
      ...(websocket.notifier ? { notifier: websocket.notifier } : {}),
      hardStopAllowList: config.hardStopAllowList,
      protectedFunctions: config.protectedFunctions,
      regions,
      ...(reminders ? { reminders, remindEverySeconds: config.remindEverySeconds } : {}),
      ...(peers ? { peers } : {}),
    },
    publisher,
    logger,
  };
};

/** Dependencies from `process.env`, built on first use and kept for the container's life. */
export const environmentDependencies: DependencyProvider = (() => {
  let built: Dependencies | undefined;
  return () => {
    built ??= createDependencies(loadConfig(process.env));
    return built;
  };
})();
