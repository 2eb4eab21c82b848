/**
 * Builds what handlers need from a configuration: clients, repository, publisher, logger.
 * Lambda builds them once per container from its environment; the local runtime builds one
 * set per region and hands it to the very same handler factories.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoConnectionRepository, type ConnectionRepository } from '../core/connections';
import type { DomainContext } from '../core/context';
import { ApiGatewayNotifier, type Notifier } from '../core/notifier';
import { DynamoRepository } from '../core/dynamo-repository';
import type { FunctionThrottle, HardStopStore } from '../core/hard-stop';
import { LambdaThrottle } from '../core/lambda-throttle';
import { EventBridgePublisher, type EventPublisher } from '../core/event-publisher';
import { loadConfig, type HaltConfig } from './config';

export interface Dependencies {
  readonly config: HaltConfig;
  readonly ctx: DomainContext;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /** The hard stop's brake (Lambda reserved concurrency) and where it saves settings. */
  readonly throttle: FunctionThrottle;
  readonly hardStopStore: HardStopStore;
  /** Present when the region has a WebSocket API. */
  readonly connections?: ConnectionRepository;
  readonly notifier?: Notifier;
}

export type DependencyProvider = () => Dependencies;

/** Local endpoints accept any credentials; never used against AWS. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export const createDependencies = (config: HaltConfig): Dependencies => {
  const local = config.dynamoEndpoint !== undefined;
  const dynamo = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
    ...(local ? { maxAttempts: 3 } : {}),
  });
  const documents = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const events = new EventBridgeClient({
    region: config.region,
    ...(config.eventsEndpoint ? { endpoint: config.eventsEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  const logger = new Logger({
    serviceName: 'halt',
    logLevel: config.logLevel,
    persistentKeys: { region: config.region },
  });
  let websocket: Pick<Dependencies, 'connections' | 'notifier'> = {};
  if (config.websocket) {
    const connections = new DynamoConnectionRepository({ client: documents, tableName: config.websocket.connectionsTableName });
    const management = new ApiGatewayManagementApiClient({
      region: config.region,
      endpoint: config.websocket.managementEndpoint,
      ...(local ? { credentials: LOCAL_CREDENTIALS } : {}),
    });
    const notifier = new ApiGatewayNotifier({
      client: management,
      connections,
      onError: (error, connectionId) => logger.warn('push failed', { connectionId, error }),
    });
    websocket = { connections, notifier };
  }
  const publisher = new EventBridgePublisher({ client: events, eventBusName: config.eventBusName });
  const repository = new DynamoRepository({ client: documents, tableName: config.stateTableName, region: config.region });
  const throttle = new LambdaThrottle({
    ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  return {
    throttle,
    hardStopStore: repository,
    config,
    ...websocket,
    ctx: {
      repository,
      now: () => new Date(),
      region: config.region,
      publisher,
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
