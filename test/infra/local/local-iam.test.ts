/**
 * The local runtime's IAM: the evaluation rules, and the requests each SDK call makes, checked
 * on the real clients (the refusal happens before anything is sent: the endpoint is closed).
 */
import { DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, EventBridgeServiceException, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetFunctionConcurrencyCommand, LambdaClient, LambdaServiceException, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { accessKeyIdOf, enforcePolicy, LocalIam, stackPolicies, type AccessDenial } from '../../../infra/local/iam/local-iam';
import { HARD_STOP_FUNCTIONS, isAllowed, type FunctionPolicies, type PolicyStatement } from '../../../infra/local/iam/policy';

const CLOSED = 'http://127.0.0.1:9';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'arn:aws:dynamodb:{region}:{account}:table/{stateTable}';

const POLICIES: FunctionPolicies = {
  note: 'test',
  settings: {},
  functions: {
    'Test/Writer': [
      { effect: 'Allow', actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [TABLE, `${TABLE}/index/*`] },
      {
        effect: 'Allow',
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
        resources: [TABLE],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*'] } },
      },
      { effect: 'Allow', actions: ['events:PutEvents'], resources: ['arn:aws:events:{region}:{account}:event-bus/{eventBus}'] },
      { effect: 'Allow', actions: ['lambda:GetFunctionConcurrency', 'lambda:PutFunctionConcurrency'], resources: [HARD_STOP_FUNCTIONS] },
    ],
    'Test/Reader': [{ effect: 'Allow', actions: ['dynamodb:Get*'], resources: [TABLE] }],
  },
};

const iam = new LocalIam({
  region: 'local-1',
  names: { stateTable: 'halt-state', connectionsTable: 'halt-connections', eventBus: 'halt-events', pushWorker: 'pw', webSocketApi: 'local', failedBatches: 'fb', streamConsumer: 'sc', remindersQueue: 'rq', mcpHeaderKey: 'mk' },
  hardStopFunctions: ['arn:aws:lambda:local-1:000000000000:function:mailer'],
  partitionKeys: { 'halt-state': 'pk' },
  policies: POLICIES,
});

const clients = (functionId: string) => {
  const denials: AccessDenial[] = [];
  const onDenied = (d: AccessDenial) => denials.push(d);
  const dynamo = new DynamoDBClient({ region: 'local-1', endpoint: CLOSED, credentials: CREDENTIALS, maxAttempts: 1 });
  enforcePolicy({ client: dynamo, service: 'dynamodb', functionId, iam, onDenied });
  const events = new EventBridgeClient({ region: 'local-1', endpoint: CLOSED, credentials: CREDENTIALS, maxAttempts: 1 });
  enforcePolicy({ client: events, service: 'events', functionId, iam, onDenied });
  const lambda = new LambdaClient({ region: 'local-1', endpoint: CLOSED, credentials: CREDENTIALS, maxAttempts: 1 });
  enforcePolicy({ client: lambda, service: 'lambda', functionId, iam, onDenied });
  return { documents: DynamoDBDocumentClient.from(dynamo), events, lambda, denials };
};

/** An allowed call passes the check and fails only at the closed endpoint. */
const reachesTheNetwork = async (call: Promise<unknown>) => {
  const error = (await call.then(() => undefined, (e: unknown) => e)) as Error;
  expect(error.name).not.toBe('AccessDeniedException');
  expect(String((error as { code?: string }).code ?? error.message)).toMatch(/ECONNREFUSED|connect/);
};

describe('local IAM', () => {
  describe('evaluation', () => {
    const allow = (extra: Partial<PolicyStatement> = {}): PolicyStatement => ({ effect: 'Allow', actions: ['dynamodb:GetItem'], resources: ['arn:t/*'], ...extra });

    it('allows only what an Allow matches, with wildcards on actions (any case) and resources', () => {
      expect(isAllowed([allow()], { action: 'dynamodb:GetItem', resource: 'arn:t/x' })).toBe(true);
      expect(isAllowed([allow()], { action: 'DynamoDB:getitem', resource: 'arn:t/x' })).toBe(true);
      expect(isAllowed([allow()], { action: 'dynamodb:PutItem', resource: 'arn:t/x' })).toBe(false);
      expect(isAllowed([allow()], { action: 'dynamodb:GetItem', resource: 'arn:T/x' })).toBe(false);
      expect(isAllowed([allow({ actions: ['dynamodb:Get?tem'] })], { action: 'dynamodb:GetItem', resource: 'arn:t/x' })).toBe(true);
      expect(isAllowed([], { action: 'dynamodb:GetItem', resource: 'arn:t/x' })).toBe(false);
    });

    it('lets an explicit Deny win over any Allow', () => {
      const deny: PolicyStatement = { effect: 'Deny', actions: ['*'], resources: ['arn:t/secret'] };
      expect(isAllowed([allow(), deny], { action: 'dynamodb:GetItem', resource: 'arn:t/secret' })).toBe(false);
      expect(isAllowed([allow(), deny], { action: 'dynamodb:GetItem', resource: 'arn:t/open' })).toBe(true);
    });

    it('applies ForAllValues to every value, passes it on an empty set, and fails closed on a key it could not work out', () => {
      const keyed = allow({ condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*'] } } });
      const ask = (keys: string[] | null) => isAllowed([keyed], { action: 'dynamodb:GetItem', resource: 'arn:t/x', context: { 'dynamodb:LeadingKeys': keys } });
      expect(ask(['AGENT#a', 'AGENT#b'])).toBe(true);
      expect(ask(['AGENT#a', 'KEYID#k'])).toBe(false);
      expect(ask([])).toBe(true);
      expect(ask(null)).toBe(false);
    });

    it('refuses, when loading, a condition operator it does not model', () => {
      const odd: FunctionPolicies = { note: '', settings: {}, functions: { 'Test/Odd': [allow({ condition: { NumericLessThan: { 'aws:x': '3' } } })] } };
      expect(() => new LocalIam({ region: 'r', names: iam['options'].names, hardStopFunctions: [], partitionKeys: {}, policies: odd })).toThrow(/NumericLessThan is not modelled/);
    });
  });

  describe('on the real SDK clients', () => {
    it('refuses an item write outside the granted key prefixes with DynamoDB\'s AccessDeniedException, before sending', async () => {
      const { documents, denials } = clients('Test/Writer');
      const error = await documents.send(new PutCommand({ TableName: 'halt-state', Item: { pk: 'KEYID#k1', sk: 'KEY' } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDBServiceException);
      expect(error).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      expect((error as Error).message).toBe(
        'User: arn:aws:sts::000000000000:assumed-role/halt-Test-Writer-role/halt-Test-Writer is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:local-1:000000000000:table/halt-state because no identity-based policy allows the dynamodb:PutItem action',
      );
      expect(denials).toEqual([expect.objectContaining({ functionId: 'Test/Writer', action: 'dynamodb:PutItem' })]);
      await reachesTheNetwork(documents.send(new PutCommand({ TableName: 'halt-state', Item: { pk: 'AGENT#a1', sk: 'AGENT' } })));
      await reachesTheNetwork(documents.send(new UpdateCommand({ TableName: 'halt-state', Key: { pk: 'AGENT#a1', sk: 'AGENT' }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': 1 } })));
    });

    it('checks every key of a batch write and every item of a transaction (each for its own action)', async () => {
      const { documents } = clients('Test/Writer');
      const batch = (pks: string[]) =>
        documents.send(new BatchWriteCommand({ RequestItems: { 'halt-state': pks.map((pk) => ({ PutRequest: { Item: { pk, sk: 'X' } } })) } }));
      await expect(batch(['AGENT#a', 'AUDIT#a'])).rejects.toMatchObject({ name: 'AccessDeniedException' });
      await reachesTheNetwork(batch(['AGENT#a', 'AGENT#b']));
      // TransactWriteItems is authorized item by item: Put needs PutItem, Delete needs DeleteItem (not granted).
      const transaction = new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'halt-state', Item: { pk: 'AGENT#a', sk: 'AGENT' } } },
          { Delete: { TableName: 'halt-state', Key: { pk: 'AGENT#a', sk: 'OLD' } } },
        ],
      });
      await expect(documents.send(transaction)).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('dynamodb:DeleteItem') });
    });

    it('allows reads on the table and its indexes as granted, and nothing on other tables', async () => {
      const { documents } = clients('Test/Writer');
      await reachesTheNetwork(documents.send(new QueryCommand({ TableName: 'halt-state', IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :l', ExpressionAttributeValues: { ':l': 'L' } })));
      await expect(documents.send(new QueryCommand({ TableName: 'other', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'p' } }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
      const reader = clients('Test/Reader');
      await expect(reader.documents.send(new QueryCommand({ TableName: 'halt-state', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'p' } }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    });

    it('authorizes PutEvents on the bus it names, with EventBridge\'s exception', async () => {
      const put = (functionId: string, bus: string) =>
        clients(functionId).events.send(new PutEventsCommand({ Entries: [{ Source: 'halt', DetailType: 'T', Detail: '{}', EventBusName: bus }] }));
      await reachesTheNetwork(put('Test/Writer', 'halt-events'));
      const error = await put('Test/Writer', 'default').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventBridgeServiceException);
      expect(error).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('event-bus/default') });
      await expect(put('Test/Reader', 'halt-events')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    });

    it('puts the region\'s hard-stop functions where the stack has its list, and nothing else', async () => {
      const { lambda } = clients('Test/Writer');
      await reachesTheNetwork(lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'arn:aws:lambda:local-1:000000000000:function:mailer' })));
      await reachesTheNetwork(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'mailer', ReservedConcurrentExecutions: 0 })));
      const error = await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'arn:aws:lambda:local-1:000000000000:function:billing', ReservedConcurrentExecutions: 0 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LambdaServiceException);
      expect(error).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    });

    it('refuses to run a function the stack does not have', () => {
      expect(() => clients('Rest/NoSuchRoute')).toThrow(/not a function of the stack/);
      expect(iam.functionOfAccessKey(accessKeyIdOf('Test/Writer', 'local-1'))).toBe('Test/Writer');
      expect(iam.functionOfAccessKey('local')).toBeUndefined();
    });
  });

  it('loads the stack\'s policies, with a statement per grant and no wildcard resource but X-Ray\'s', () => {
    const policies = stackPolicies();
    expect(Object.keys(policies.functions).length).toBeGreaterThan(30);
    for (const [id, statements] of Object.entries(policies.functions)) {
      for (const statement of statements) {
        if (statement.resources.includes('*')) expect([id, [...statement.actions].sort()]).toEqual([id, ['xray:PutTelemetryRecords', 'xray:PutTraceSegments']]);
      }
    }
  });
});
