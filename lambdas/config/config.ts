import { DEFAULT_PUSH_CONCURRENCY, DEFAULT_SHARD_SIZE } from '../adapters/push/fan-out-notifier';

/**
 * Configuration of every handler, read and checked once. Lambda gets it from its environment
 * (set by the CDK stack); the local runtime builds one per region from the same variables.
 */
export class ConfigurationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export interface HaltConfig {
  /** Region of this control plane (`AWS_REGION` in Lambda, `local-1` locally). */
  readonly region: string;
  readonly stateTableName: string;
  readonly eventBusName: string;
  /**
   * The region's WebSocket API: its connections table and management endpoint
   * (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`). Absent: no WebSocket API
   * in this region, pushes reach no one and instances learn changes by heartbeat.
   */
  readonly websocket?: { readonly connectionsTableName: string; readonly managementEndpoint: string };
  /**
   * The push fan-out: connections per shard and posts in flight per shard, the function that
   * posts the shards the caller hands off (absent: the caller posts every shard itself), and
   * whether the caller posts the first shard itself (`HALT_PUSH_CALLER_SHARD`).
   */
  readonly push: { readonly shardSize: number; readonly concurrency: number; readonly callerShard: boolean; readonly workerFunction?: string };
  /** Functions a `hardStop` policy may name (`HALT_HARD_STOP_FUNCTIONS`, comma-separated ARNs). */
  readonly hardStopAllowList: readonly string[];
  /**
   * Functions put under Halt by the stack's `protect`, by agent (`HALT_PROTECTED_FUNCTIONS`,
   * comma-separated `agentId=functionArn`): a kill of the agent brakes them whatever its policy says.
   */
  readonly protectedFunctions: Readonly<Record<string, readonly string[]>>;
  /**
   * The stream consumer's on-failure bucket (`HALT_FAILED_BATCHES_BUCKET`) and the consumer
   * function that replays its batches (`HALT_STREAM_CONSUMER_FUNCTION`); set on the replay routes.
   */
  readonly failedBatches?: { readonly bucket: string; readonly consumerFunction?: string };
  /**
   * Every region of the deployment (`HALT_REGIONS`, this one included) and the one that takes
   * every write of an agent item (`HALT_WRITE_REGION`, the first stack's). @default this region alone
   */
  readonly regions: readonly string[];
  readonly writeRegion: string;
  /** The queue of stop reminders (`HALT_REMINDERS_QUEUE`, its URL); absent: no reminders. */
  readonly remindersQueueUrl?: string;
  /** Seconds between reminders of a stop (`HALT_REMIND_EVERY_SECONDS`, 1 to 15). @default 15 */
  readonly remindEverySeconds: number;
  /** Endpoint overrides, set only by the local runtime. */
  readonly dynamoEndpoint?: string;
  /** Each region's DynamoDB endpoint, set only by the local runtime (`HALT_DYNAMODB_ENDPOINTS`, `region=url,…`). */
  readonly regionDynamoEndpoints?: Readonly<Record<string, string>>;
  readonly eventsEndpoint?: string;
  /** The Lambda API for the hard stop (local stand-in). */
  readonly lambdaEndpoint?: string;
  /** S3 (local stand-in, path-style). */
  readonly s3Endpoint?: string;
  /** SQS (local stand-in). */
  readonly sqsEndpoint?: string;
  /** Secrets Manager (local stand-in). */
  readonly secretsEndpoint?: string;
  /**
   * How MCP server header values are encrypted: the region's KMS key (`HALT_MCP_KEY_ID`, set by
   * the stack on the routes that need it) or, locally, a key file (`HALT_MCP_KEY_FILE`).
   * Neither: the MCP registry and endpoint refuse with a configuration error.
   */
  readonly mcpHeaders?: { readonly kmsKeyId: string } | { readonly keyFile: string };
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

type Env = Record<string, string | undefined>;

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`environment variable ${name} is required (the CDK stack or the local runtime sets it)`);
  }
  return value.trim();
};

const optionalUrl = (env: Env, name: string): string | undefined => {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  try {
    new URL(value);
  } catch {
    throw new ConfigurationError(`environment variable ${name} must be a URL such as http://127.0.0.1:8000, got "${value}"`);
  }
  return value;
};

/** `a, b,c` → `['a', 'b', 'c']`; absent or blank → `[]`. */
export const commaList = (raw: string | undefined): string[] =>
  (raw ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '');

const booleanFlag = (env: Env, name: string, fallback: boolean): boolean => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigurationError(`environment variable ${name} must be true or false, got "${raw}"`);
};

const positiveInt = (env: Env, name: string, fallback: number, max: number): number => {
  const value = env[name];
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ConfigurationError(`environment variable ${name} must be a whole number from 1 to ${max}, got "${value}"`);
  }
  return n;
};

/** `a=http://…,b=http://…` → `{a: …, b: …}`; absent → undefined. */
const endpointMap = (env: Env, name: string): Record<string, string> | undefined => {
  const parts = commaList(env[name]);
  if (parts.length === 0) return undefined;
  const map: Record<string, string> = {};
  for (const part of parts) {
    const [key, url] = part.split('=');
    if (!key || !url || !URL.canParse(url)) throw new ConfigurationError(`${name} must be region=url pairs separated by commas, got "${part}"`);
    map[key.trim()] = url.trim();
  }
  return map;
};

/** `a=arn1,a=arn2,b=arn3` → `{a: [arn1, arn2], b: [arn3]}` (`HALT_PROTECTED_FUNCTIONS`). */
export const protectedFunctions = (raw: string | undefined): Record<string, string[]> => {
  const map: Record<string, string[]> = {};
  for (const part of commaList(raw)) {
    const [agentId, functionArn, extra] = part.split('=').map((p) => p.trim());
    if (!agentId || !functionArn?.startsWith('arn:') || extra !== undefined) {
      throw new ConfigurationError(`HALT_PROTECTED_FUNCTIONS must be agentId=functionArn pairs separated by commas, got "${part}"`);
    }
    (map[agentId] ??= []).push(functionArn);
  }
  return map;
};

export const loadConfig = (env: Env = process.env): HaltConfig => {
  const logLevel = (env.HALT_LOG_LEVEL ?? env.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigurationError(`HALT_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const dynamoEndpoint = optionalUrl(env, 'HALT_DYNAMODB_ENDPOINT');
  const eventsEndpoint = optionalUrl(env, 'HALT_EVENTS_ENDPOINT');
  const lambdaEndpoint = optionalUrl(env, 'HALT_LAMBDA_ENDPOINT');
  const s3Endpoint = optionalUrl(env, 'HALT_S3_ENDPOINT');
  const sqsEndpoint = optionalUrl(env, 'HALT_SQS_ENDPOINT');
  const secretsEndpoint = optionalUrl(env, 'HALT_SECRETS_ENDPOINT');
  const remindersQueueUrl = optionalUrl(env, 'HALT_REMINDERS_QUEUE');
  const mcpKeyId = env.HALT_MCP_KEY_ID?.trim();
  const mcpKeyFile = env.HALT_MCP_KEY_FILE?.trim();
  if (mcpKeyId && mcpKeyFile) throw new ConfigurationError('HALT_MCP_KEY_ID (KMS, in AWS) and HALT_MCP_KEY_FILE (local) exclude each other: set one');
  const failedBatchesBucket = env.HALT_FAILED_BATCHES_BUCKET?.trim();
  const consumerFunction = env.HALT_STREAM_CONSUMER_FUNCTION?.trim();
  const connectionsTableName = env.HALT_CONNECTIONS_TABLE?.trim();
  const managementEndpoint = optionalUrl(env, 'HALT_WEBSOCKET_ENDPOINT');
  if (Boolean(connectionsTableName) !== Boolean(managementEndpoint)) {
    throw new ConfigurationError('HALT_CONNECTIONS_TABLE and HALT_WEBSOCKET_ENDPOINT go together: set both (WebSocket API) or neither');
  }
  const region = required(env, 'AWS_REGION');
  const writeRegion = env.HALT_WRITE_REGION?.trim() || region;
  const regions = [...new Set([region, ...commaList(env.HALT_REGIONS)])];
  if (!regions.includes(writeRegion)) {
    throw new ConfigurationError(`HALT_WRITE_REGION ${writeRegion} must be one of HALT_REGIONS (${regions.join(', ')})`);
  }
  const regionDynamoEndpoints = endpointMap(env, 'HALT_DYNAMODB_ENDPOINTS');
  for (const r of regions) {
    if (r !== region && regionDynamoEndpoints && !regionDynamoEndpoints[r]) {
      throw new ConfigurationError(`HALT_DYNAMODB_ENDPOINTS names no endpoint for region ${r}; give one for each of HALT_REGIONS`);
    }
  }
  return {
    region,
    regions,
    writeRegion,
    ...(regionDynamoEndpoints ? { regionDynamoEndpoints } : {}),
    stateTableName: required(env, 'HALT_STATE_TABLE'),
    eventBusName: required(env, 'HALT_EVENT_BUS'),
    ...(connectionsTableName && managementEndpoint ? { websocket: { connectionsTableName, managementEndpoint } } : {}),
    push: {
      shardSize: positiveInt(env, 'HALT_PUSH_SHARD_SIZE', DEFAULT_SHARD_SIZE, 5_000),
      concurrency: positiveInt(env, 'HALT_PUSH_CONCURRENCY', DEFAULT_PUSH_CONCURRENCY, 1_000),
      callerShard: booleanFlag(env, 'HALT_PUSH_CALLER_SHARD', true),
      ...(env.HALT_PUSH_WORKER_FUNCTION?.trim() ? { workerFunction: env.HALT_PUSH_WORKER_FUNCTION.trim() } : {}),
    },
    hardStopAllowList: commaList(env.HALT_HARD_STOP_FUNCTIONS),
    protectedFunctions: protectedFunctions(env.HALT_PROTECTED_FUNCTIONS),
    ...(failedBatchesBucket ? { failedBatches: { bucket: failedBatchesBucket, ...(consumerFunction ? { consumerFunction } : {}) } } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(sqsEndpoint ? { sqsEndpoint } : {}),
    ...(secretsEndpoint ? { secretsEndpoint } : {}),
    ...(mcpKeyId ? { mcpHeaders: { kmsKeyId: mcpKeyId } } : mcpKeyFile ? { mcpHeaders: { keyFile: mcpKeyFile } } : {}),
    ...(remindersQueueUrl ? { remindersQueueUrl } : {}),
    // API.md: a stop is pushed again at least every 15 s; more often is allowed, never less.
    remindEverySeconds: positiveInt(env, 'HALT_REMIND_EVERY_SECONDS', 15, 15),
    ...(dynamoEndpoint ? { dynamoEndpoint } : {}),
    ...(eventsEndpoint ? { eventsEndpoint } : {}),
    ...(lambdaEndpoint ? { lambdaEndpoint } : {}),
    logLevel: logLevel as HaltConfig['logLevel'],
  };
};
