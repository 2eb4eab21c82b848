/**
 * The local runtime's IAM: each local function runs with the policy the stack synthesizes for
 * it (function-policies.json, `npm run local-iam`), and its AWS calls are authorized against
 * that policy the way AWS authorizes them. A refused call fails with the service's own
 * `AccessDeniedException`, so code that lacks a grant in AWS fails locally, in every test.
 *
 * SDK clients (DynamoDB, EventBridge, Lambda) are checked by a middleware that runs after
 * serialization, on the request as the service receives it (the document client's input is
 * marshalled by then). The management API, a local server, checks the signer's access key
 * (each function signs with its own, `accessKeyIdOf`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBServiceException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeServiceException, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaServiceException, type LambdaClient } from '@aws-sdk/client-lambda';
import { S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { SQSServiceException, type SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerServiceException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BuildMiddleware, MiddlewareStack } from '@smithy/types';
import type { LocalFunction } from '../../../lambdas/config/dependencies';
import { LOCAL_ACCOUNT } from '../lambda-context';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { checkStatement, HARD_STOP_FUNCTIONS, isAllowed, type AuthorizationRequest, type FunctionPolicies, type PolicyStatement } from './policy';

export { LOCAL_ACCOUNT };

/** The local names the policies' placeholders stand for, in one region. */
export interface LocalResourceNames {
  readonly stateTable: string;
  readonly connectionsTable: string;
  readonly eventBus: string;
  readonly pushWorker: string;
  readonly webSocketApi: string;
  readonly failedBatches: string;
  readonly streamConsumer: string;
  readonly remindersQueue: string;
  /** The MCP header key's name in grants (locally a key file encrypts: KMS is never called). */
  readonly mcpHeaderKey: string;
}

export interface AccessDenial {
  readonly functionId: string;
  readonly action: string;
  readonly resource: string;
  readonly message: string;
}

/** What a local region needs to enforce the policies; plain data, so worker threads get it too. */
export interface LocalIamOptions {
  readonly region: string;
  readonly names: LocalResourceNames;
  /** The runtime's other regions (`{otherRegion}` in a policy stands for each of them). */
  readonly otherRegions?: readonly string[];
  /** The region's allow-listed hard-stop functions (the stack's `hardStopFunctionArns`). */
  readonly hardStopFunctions: readonly string[];
  /** @default the stack's, from function-policies.json */
  readonly policies?: FunctionPolicies;
  /** Partition key attribute of each table, by name (for `dynamodb:LeadingKeys`). */
  readonly partitionKeys: Readonly<Record<string, string>>;
}

let generated: FunctionPolicies | undefined;
/** The policies the stack synthesizes (read once). */
export const stackPolicies = (): FunctionPolicies => {
  generated ??= JSON.parse(readFileSync(join(__dirname, 'function-policies.json'), 'utf8')) as FunctionPolicies;
  return generated;
};

/**
 * The access key a local function signs with: the management API (of its own region or
 * another's) knows the function, and its region, by it. Letters and digits only, which is all
 * DynamoDB Local accepts in an access key id.
 */
export const accessKeyIdOf = (functionId: string, region: string): string => `LOCAL${`${region}${functionId}`.replace(/[^A-Za-z0-9]/g, '')}`;

const principalOf = (functionId: string): string => `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/halt-${functionId.replace(/\//g, '-')}-role/halt-${functionId.replace(/\//g, '-')}`;

export class LocalIam {
  private readonly statements = new Map<string, readonly PolicyStatement[]>();
  private readonly byAccessKey = new Map<string, string>();

  public constructor(private readonly options: LocalIamOptions) {
    const policies = options.policies ?? stackPolicies();
    const fill = (resource: string): string[] => {
      if (resource === HARD_STOP_FUNCTIONS) return [...options.hardStopFunctions];
      if (resource.includes('{otherRegion}')) {
        return (options.otherRegions ?? []).flatMap((other) => fill(resource.split('{otherRegion}').join(other)));
      }
      const filled = resource.replace(/\{(\w+)\}/g, (whole, name: string) => {
        if (name === 'region') return options.region;
        if (name === 'account') return LOCAL_ACCOUNT;
        const value = (options.names as unknown as Record<string, string | undefined>)[name];
        if (value === undefined) throw new Error(`function-policies.json names {${name}}, which the local runtime does not know; add it to LocalResourceNames`);
        return value;
      });
      return [filled];
    };
    for (const [functionId, statements] of Object.entries(policies.functions)) {
      const resolved = statements
        .map((statement) => {
          checkStatement(statement);
          return { ...statement, resources: statement.resources.flatMap(fill) };
        })
        // A statement left with no resource (no hard-stop functions) is one the stack would not make.
        .filter((statement) => statement.resources.length > 0);
      this.statements.set(functionId, resolved);
      const accessKeyId = accessKeyIdOf(functionId, options.region);
      const other = this.byAccessKey.get(accessKeyId);
      if (other !== undefined) throw new Error(`functions ${other} and ${functionId} would sign with the same local access key; rename one`);
      this.byAccessKey.set(accessKeyId, functionId);
    }
  }

  public get region(): string {
    return this.options.region;
  }

  public knows(functionId: string): boolean {
    return this.statements.has(functionId);
  }

  /** The function that signs with `accessKeyId`, if it is one of the stack's. */
  public functionOfAccessKey(accessKeyId: string): string | undefined {
    return this.byAccessKey.get(accessKeyId);
  }

  /** The first of `requests` the function's policy does not allow, as AWS words the refusal; undefined: all allowed. */
  public check(functionId: string, requests: readonly AuthorizationRequest[]): AccessDenial | undefined {
    const statements = this.statements.get(functionId);
    if (!statements) throw new Error(`no policy for local function ${functionId}: it is not a function of the stack (infra/function-ids.ts)`);
    for (const request of requests) {
      if (isAllowed(statements, request)) continue;
      return {
        functionId,
        action: request.action,
        resource: request.resource,
        message: `User: ${principalOf(functionId)} is not authorized to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows the ${request.action} action`,
      };
    }
    return undefined;
  }

  /**
   * The requests a DynamoDB, EventBridge or Lambda call makes, for `check`; `region` is the
   * client's (a DynamoDB client of another region's replica acts on that replica's ARN).
   */
  public requestsOf(service: Service, commandName: string, input: Record<string, unknown>, region = this.options.region): AuthorizationRequest[] {
    const operation = commandName.replace(/Command$/, '');
    if (service === 'dynamodb') return this.dynamoRequests(operation, input, region);
    if (service === 'events') return this.eventsRequests(operation, input);
    if (service === 's3') return s3Requests(operation, input);
    if (service === 'sqs') return this.sqsRequests(operation, input, region);
    if (service === 'secretsmanager') return this.secretsRequests(operation, input, region);
    return this.lambdaRequests(operation, input);
  }

  public tableArn(table: string, region = this.options.region): string {
    return `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${table}`;
  }

  /**
   * `execute-api:ManageConnections` on one connection (`POST`, `GET` or `DELETE`) of the
   * WebSocket API of `region` (this one's by default; a push to another region's names that one).
   */
  public connectionRequest(method: string, stage: string, connectionId: string, region = this.options.region): AuthorizationRequest {
    return {
      action: 'execute-api:ManageConnections',
      resource: `arn:aws:execute-api:${region}:${LOCAL_ACCOUNT}:${this.options.names.webSocketApi}/${stage}/${method}/@connections/${connectionId}`,
    };
  }

  private leadingKey(table: string, key: Record<string, AttributeValue> | undefined): string[] | null {
    const attribute = this.options.partitionKeys[table];
    const value = attribute === undefined ? undefined : key?.[attribute];
    return value && 'S' in value && value.S !== undefined ? [value.S] : null;
  }

  private dynamoRequests(operation: string, input: Record<string, unknown>, region: string): AuthorizationRequest[] {
    const action = `dynamodb:${operation}`;
    const tableArn = (table: string) => this.tableArn(table, region);
    const item = (table: string, key: Record<string, AttributeValue> | undefined, itemAction = action): AuthorizationRequest => ({
      action: itemAction,
      resource: tableArn(table),
      context: { 'dynamodb:LeadingKeys': this.leadingKey(table, key) },
    });
    switch (operation) {
      case 'GetItem':
      case 'DeleteItem':
      case 'UpdateItem':
        return [item(input.TableName as string, input.Key as Record<string, AttributeValue>)];
      case 'PutItem':
        return [item(input.TableName as string, input.Item as Record<string, AttributeValue>)];
      case 'Query': {
        const table = input.TableName as string;
        const index = input.IndexName as string | undefined;
        return [
          {
            action,
            resource: index ? `${tableArn(table)}/index/${index}` : tableArn(table),
            context: { 'dynamodb:LeadingKeys': index ? null : this.queriedPartition(table, input) },
          },
        ];
      }
      case 'Scan': {
        const index = input.IndexName as string | undefined;
        const table = input.TableName as string;
        return [{ action, resource: index ? `${tableArn(table)}/index/${index}` : tableArn(table), context: { 'dynamodb:LeadingKeys': null } }];
      }
      case 'BatchGetItem':
        return Object.entries(input.RequestItems as Record<string, { Keys: Record<string, AttributeValue>[] }>).map(([table, { Keys }]) => ({
          action,
          resource: tableArn(table),
          context: { 'dynamodb:LeadingKeys': this.allKeys(table, Keys) },
        }));
      case 'BatchWriteItem':
        return Object.entries(input.RequestItems as Record<string, { PutRequest?: { Item: Record<string, AttributeValue> }; DeleteRequest?: { Key: Record<string, AttributeValue> } }[]>).map(
          ([table, writes]) => ({
            action,
            resource: tableArn(table),
            context: { 'dynamodb:LeadingKeys': this.allKeys(table, writes.map((w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key)) },
          }),
        );
      // A transaction is authorized item by item, each for the action it performs
      // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
      case 'TransactWriteItems':
        return (input.TransactItems as Record<string, { TableName: string; Key?: Record<string, AttributeValue>; Item?: Record<string, AttributeValue> }>[]).map((entry) => {
          const [kind, detail] = Object.entries(entry)[0] as [string, { TableName: string; Key?: Record<string, AttributeValue>; Item?: Record<string, AttributeValue> }];
          const itemAction = { Put: 'dynamodb:PutItem', Update: 'dynamodb:UpdateItem', Delete: 'dynamodb:DeleteItem', ConditionCheck: 'dynamodb:ConditionCheckItem' }[kind] ?? `dynamodb:${kind}`;
          return item(detail.TableName, detail.Key ?? detail.Item, itemAction);
        });
      case 'TransactGetItems':
        return (input.TransactItems as { Get: { TableName: string; Key: Record<string, AttributeValue> } }[]).map((entry) => item(entry.Get.TableName, entry.Get.Key, 'dynamodb:GetItem'));
      default:
        return [{ action, resource: tableArn((input.TableName as string | undefined) ?? '*') }];
    }
  }

  private allKeys(table: string, keys: (Record<string, AttributeValue> | undefined)[]): string[] | null {
    const values: string[] = [];
    for (const key of keys) {
      const value = this.leadingKey(table, key);
      if (value === null) return null;
      values.push(...value);
    }
    return values;
  }

  /** The partition a query reads (`pk = :v`, as Halt writes them); null when it cannot tell. */
  private queriedPartition(table: string, input: Record<string, unknown>): string[] | null {
    const attribute = this.options.partitionKeys[table];
    const match = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec((input.KeyConditionExpression as string | undefined) ?? '');
    if (!attribute || !match) return null;
    const [, nameToken, valueToken] = match as unknown as [string, string, string];
    const name = nameToken.startsWith('#') ? (input.ExpressionAttributeNames as Record<string, string> | undefined)?.[nameToken] : nameToken;
    const value = (input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined)?.[valueToken];
    return name === attribute && value && 'S' in value && value.S !== undefined ? [value.S] : null;
  }

  private eventsRequests(operation: string, input: Record<string, unknown>): AuthorizationRequest[] {
    if (operation !== 'PutEvents') return [{ action: `events:${operation}`, resource: '*' }];
    const buses = new Set((input.Entries as { EventBusName?: string }[]).map((e) => e.EventBusName ?? 'default'));
    return [...buses].map((bus) => ({
      action: 'events:PutEvents',
      resource: bus.startsWith('arn:') ? bus : `arn:aws:events:${this.options.region}:${LOCAL_ACCOUNT}:event-bus/${bus}`,
    }));
  }

  /** SQS acts on the queue its URL names (`…/<account>/<queue name>`). */
  private sqsRequests(operation: string, input: Record<string, unknown>, region: string): AuthorizationRequest[] {
    const name = String(input.QueueUrl ?? '').split('/').pop() ?? '';
    return [{ action: `sqs:${operation}`, resource: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:${name}` }];
  }

  /**
   * Secrets Manager acts on the secret's ARN. Halt's calls name secrets by ARN; one named by
   * name is checked against `…:secret:<name>` (AWS matches the full ARN, random suffix included).
   */
  private secretsRequests(operation: string, input: Record<string, unknown>, region: string): AuthorizationRequest[] {
    const id = String(input.SecretId ?? input.Name ?? '');
    return [{ action: `secretsmanager:${operation}`, resource: id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${region}:${LOCAL_ACCOUNT}:secret:${id}` }];
  }

  private lambdaRequests(operation: string, input: Record<string, unknown>): AuthorizationRequest[] {
    const name = input.FunctionName as string;
    const resource = name.startsWith('arn:') ? name : `arn:aws:lambda:${this.options.region}:${LOCAL_ACCOUNT}:function:${name}`;
    const action = operation === 'Invoke' ? 'lambda:InvokeFunction' : `lambda:${operation}`;
    return [{ action, resource }];
  }
}

type SdkClient = DynamoDBClient | EventBridgeClient | LambdaClient | S3Client | SQSClient | SecretsManagerClient;
type Service = 'dynamodb' | 'events' | 'lambda' | 's3' | 'sqs' | 'secretsmanager';

/**
 * S3's actions are not its operations' names: listing a bucket is `s3:ListBucket` on the
 * bucket, object calls act on `bucket/key`
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
 */
const s3Requests = (operation: string, input: Record<string, unknown>): AuthorizationRequest[] => {
  const bucket = `arn:aws:s3:::${String(input.Bucket)}`;
  if (operation === 'ListObjectsV2' || operation === 'ListObjects') return [{ action: 's3:ListBucket', resource: bucket }];
  const object = `${bucket}/${String(input.Key)}`;
  const action = { GetObject: 's3:GetObject', PutObject: 's3:PutObject', DeleteObject: 's3:DeleteObject', HeadObject: 's3:GetObject' }[operation] ?? `s3:${operation}`;
  return [{ action, resource: object }];
};

const EXCEPTIONS: Record<Service, { type: new (options: { name: string; $fault: 'client'; $metadata: { httpStatusCode: number }; message: string }) => Error; status: number }> = {
  dynamodb: { type: DynamoDBServiceException, status: 400 },
  events: { type: EventBridgeServiceException, status: 400 },
  lambda: { type: LambdaServiceException, status: 403 },
  s3: { type: S3ServiceException, status: 403 },
  sqs: { type: SQSServiceException, status: 400 },
  secretsmanager: { type: SecretsManagerServiceException, status: 400 },
};

/**
 * Makes `client` (one function's) refuse what the function's policy does not allow, with the
 * service's `AccessDeniedException`, before anything is sent. `onDenied` hears every refusal.
 */
export const enforcePolicy = (options: {
  client: SdkClient;
  service: Service;
  functionId: string;
  iam: LocalIam;
  onDenied?: (denial: AccessDenial) => void;
}): void => {
  const { client, service, functionId, iam } = options;
  if (!iam.knows(functionId)) throw new Error(`no policy for local function ${functionId}: it is not a function of the stack (infra/function-ids.ts)`);
  const stack = client.middlewareStack as MiddlewareStack<object, object>;
  const regionOf = client.config.region as unknown as () => Promise<string>;
  const check: BuildMiddleware<object, object> = (next, context) => async (args) => {
    const denial = iam.check(functionId, iam.requestsOf(service, context.commandName ?? '', args.input as Record<string, unknown>, await regionOf()));
    if (denial) {
      options.onDenied?.(denial);
      const { type, status } = EXCEPTIONS[service];
      throw new type({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: status }, message: denial.message });
    }
    return next(args);
  };
  stack.add(check, { step: 'build', name: 'haltLocalIam', override: true });
};

/**
 * How the local runtime runs one function of the stack: with its own access key (the
 * management API knows it by that), every SDK client it builds held to its policy.
 */
export const localFunctionOf = (iam: LocalIam, functionId: string, onDenied?: (denial: AccessDenial) => void): LocalFunction => ({
  credentials: { accessKeyId: accessKeyIdOf(functionId, iam.region), secretAccessKey: 'local' },
  prepareClient: (client, service) => enforcePolicy({ client, service, functionId, iam, ...(onDenied ? { onDenied } : {}) }),
});
