/** Assertions over the synthesized Halt stack (bundling skipped: these check the template). */
import { App, Validations, type CfnElement } from 'aws-cdk-lib';
import type { Method } from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STATE_TABLE } from '../../../lambdas/adapters/dynamo/table-schema';
import { ROUTES, type RouteDefinition } from '../../../lambdas/edge/route-table';
import { HaltStack } from '../../../infra/halt-stack';
import { Queue } from 'aws-cdk-lib/aws-sqs';

const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

const synth = () => {
  const app = newApp();
  const stack = new HaltStack(app, 'Halt', { env: { region: 'us-east-1', account: '111111111111' }, replicaRegions: ['eu-west-1'] });
  return { app, stack, template: Template.fromStack(stack) };
};

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const statementsOf = (template: Template, functionIdPrefix: string): Statement[] => {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(functionIdPrefix))
    .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
};

/** Statements about the state table (its logical id is in the resource). */
const onStateTable = (statements: Statement[]): Statement[] =>
  statements.filter((st) => JSON.stringify(st.Resource).includes('HaltStateTable'));

const actionsOf = (statements: Statement[]): string[] =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('HaltStack', () => {
  const { stack, template } = synth();

  describe('state table', () => {
    it('is built from the shared table definition, with a replica, stream, TTL, PITR, deletion protection and RETAIN', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          KeySchema: [
            { AttributeName: STATE_TABLE.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: STATE_TABLE.sortKey.name, KeyType: 'RANGE' },
          ],
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          TimeToLiveSpecification: { AttributeName: STATE_TABLE.timeToLiveAttribute, Enabled: true },
          GlobalSecondaryIndexes: [
            Match.objectLike({
              IndexName: 'gsi1',
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
              ],
            }),
          ],
          Replicas: Match.arrayWith([
            Match.objectLike({ Region: 'eu-west-1', DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
            Match.objectLike({ Region: 'us-east-1', DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
          ]),
        }),
      });
    });

    it('refuses replicas without an explicit region, or in its own region, saying how to fix it', () => {
      // GIVEN a stack without a region WHEN replicas are asked THEN the error says what to pass
      expect(() => new HaltStack(newApp(), 'NoRegion', { replicaRegions: ['eu-west-1'] })).toThrow(/explicit region/);
      expect(() => new HaltStack(newApp(), 'Own', { env: { region: 'eu-west-1' }, replicaRegions: ['eu-west-1'] })).toThrow(
        /must not include the stack's own region/,
      );
    });
  });

  describe('REST API', () => {
    it('serves every route of the route table, and only those', () => {
      const methods = template.findResources('AWS::ApiGateway::Method');
      const served = Object.values(methods)
        .map((m) => (m as { Properties: { HttpMethod: string } }).Properties.HttpMethod)
        .filter((m) => m !== 'OPTIONS');
      expect(served).toHaveLength(Object.keys(ROUTES).length);
    });

    it('puts the authorizer on every route but health, without a result cache', () => {
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
        Properties: { AuthorizationType: string; AuthorizerId?: unknown; HttpMethod: string };
      }[];
      const open = methods.filter((m) => m.Properties.AuthorizationType === 'NONE');
      const guarded = methods.filter((m) => m.Properties.AuthorizationType === 'CUSTOM');
      expect(open).toHaveLength(Object.values(ROUTES).filter((r) => 'public' in r.access && r.access.public).length);
      expect(open.map((m) => m.Properties.HttpMethod)).toEqual(['GET', 'GET']);
      expect(guarded).toHaveLength(methods.length - open.length);
      expect(guarded.every((m) => m.Properties.AuthorizerId !== undefined)).toBe(true);
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'REQUEST',
        AuthorizerResultTtlInSeconds: 0,
        IdentitySource: 'method.request.header.Authorization',
      });
    });

    it('leaves exactly the public routes (health) open and guards each other route by its own path', () => {
      // GIVEN the one key authorizer of the stack
      const [authorizerId, ...others] = Object.keys(template.findResources('AWS::ApiGateway::Authorizer'));
      expect(others).toHaveLength(0);
      const methods = template.findResources('AWS::ApiGateway::Method');
      expect(ROUTES.health.access.public).toBe(true);
      for (const route of Object.values(ROUTES) as RouteDefinition[]) {
        // WHEN the route's method is found at its path and method
        const method = stack.controlPlane.restApi.api.root.resourceForPath(route.path).node.findChild(route.method) as Method;
        const properties = methods[stack.getLogicalId(method.node.defaultChild as CfnElement)]?.Properties as Record<string, unknown>;
        // THEN a public route has no authorizer, every other one the key authorizer
        if (route.access.public) {
          expect(properties).toMatchObject({ HttpMethod: route.method, AuthorizationType: 'NONE' });
          expect(properties.AuthorizerId).toBeUndefined();
        } else {
          expect(properties).toMatchObject({ HttpMethod: route.method, AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
        }
      }
    });

    it('throttles the stage, logs access and keeps the error body in gateway responses', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        TracingEnabled: true,
        AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
        MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 })]),
      });
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'UNAUTHORIZED',
        StatusCode: '401',
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"unauthorized"') },
      });
      const templates = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).map(
        (r) => (r as { Properties: { ResponseTemplates: Record<string, string> } }).Properties.ResponseTemplates['application/json'],
      );
      // every static template is valid JSON of the API's error shape
      for (const body of templates.filter((b): b is string => b !== undefined && !b.includes('$context.error.messageString'))) {
        expect(JSON.parse(body)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      }
    });
  });

  describe('functions', () => {
    it('run nodejs22.x on arm64 with active tracing', () => {
      const functions = Object.entries(template.findResources('AWS::Lambda::Function')) as [string, {
        Properties: { Runtime?: string; Architectures?: string[]; TracingConfig?: { Mode: string } };
      }][];
      // Halt's own (CDK's custom-resource provider, which writes the region registry, is CDK's)
      const halt = functions.filter(([id, f]) => id.startsWith('Halt') && f.Properties.Runtime?.startsWith('nodejs')).map(([, f]) => f);
      // a function per route, the REST authorizer, the stream consumer, the sweeper and the
      // doctor's bus probe, the stop reminders, and the WebSocket API's authorizer, five routes and the push worker
      expect(halt.length).toBe(Object.keys(ROUTES).length + 5 + 7);
      for (const fn of halt) {
        expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      }
    });

    it('sizes the bulk routes to run as long as API Gateway waits (29 s), at 1 GB; every other function 256 MB, 10 s', () => {
      const functions = Object.entries(template.findResources('AWS::Lambda::Function')) as [string, { Properties: { MemorySize?: number; Timeout?: number } }][];
      for (const prefix of ['HaltRestBulkKill', 'HaltRestBulkPause', 'HaltRestBulkResume']) {
        const fn = functions.find(([id]) => id.startsWith(prefix));
        expect([prefix, fn?.[1].Properties.MemorySize, fn?.[1].Properties.Timeout]).toEqual([prefix, 1024, 29]);
      }
      expect(functions.find(([id]) => id.startsWith('HaltRestKillAgent'))?.[1].Properties).toMatchObject({ MemorySize: 256, Timeout: 10 });
    });

    it('gives read routes read-only access to the table', () => {
      const actions = actionsOf(statementsOf(template, 'HaltRestListAgents'));
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
      for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
        expect(actions).not.toContain(write);
      }
    });

    it('lets the authorizer update only key-by-id items, and the consumer write only audit, hard-stop, agent and approval items', () => {
      const authorizer = statementsOf(template, 'HaltRestAuthorizer');
      expect(actionsOf(authorizer)).not.toContain('dynamodb:PutItem');
      expect(actionsOf(authorizer)).not.toContain('dynamodb:DeleteItem');
      expect(authorizer).toContainEqual(
        expect.objectContaining({ Action: 'dynamodb:UpdateItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KEYID#*'] } } }),
      );
      const consumer = statementsOf(template, 'HaltPipelineConsumer');
      // it deletes only the hard stop's saved settings and, cancelling approvals, their open copies
      const deletes = onStateTable(consumer).filter((x) => actionsOf([x]).includes('dynamodb:DeleteItem'));
      expect(deletes.map((st) => st.Condition).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*', 'APPROVAL#*'] } },
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HARDSTOP#*'] } },
      ]);
      expect(consumer).toContainEqual(
        expect.objectContaining({ Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } } }),
      );
    });

    it('reminds silent instances from an encrypted SQS queue (15 s per message, dead letters after 5 receives), fed by the consumer', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], EventSourceArn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }) });
      const consumer = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('HaltPipelineConsumer'))?.[1] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      expect(consumer.Properties.Environment.Variables.HALT_REMINDERS_QUEUE).toBeDefined();
      expect(actionsOf(statementsOf(template, 'HaltPipelineConsumer'))).toContain('sqs:SendMessage');
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS' });
    });

    it('lets the heartbeat function update its agent\'s items only on the state table (and push, when a policy stops the agent)', () => {
      const heartbeat = statementsOf(template, 'HaltRestHeartbeat');
      const dynamo = onStateTable(heartbeat.filter((st) => actionsOf([st]).some((a) => a.startsWith('dynamodb:'))));
      expect(actionsOf(dynamo)).not.toContain('dynamodb:DeleteItem');
      expect(actionsOf(dynamo)).not.toContain('dynamodb:PutItem');
      expect(actionsOf(dynamo)).not.toContain('dynamodb:BatchWriteItem');
      // any other DynamoDB grant is the push's, on the connections table
      for (const st of heartbeat.filter((x) => actionsOf([x]).some((a) => a.startsWith('dynamodb:')) && !dynamo.includes(x))) {
        expect(JSON.stringify(st.Resource)).toContain('HaltWebSocketConnections');
      }
      expect(dynamo).toContainEqual(
        expect.objectContaining({ Action: 'dynamodb:UpdateItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*'] } } }),
      );
    });

    it('lets $connect and $disconnect write presence on their agent\'s items only', () => {
      for (const prefix of ['HaltWebSocketConnect', 'HaltWebSocketDisconnect']) {
        const onState = onStateTable(statementsOf(template, prefix));
        expect(actionsOf(onState.filter((st) => st.Condition === undefined)).filter((a) => !a.startsWith('dynamodb:Describe'))).toEqual([]);
        expect(onState).toContainEqual(
          expect.objectContaining({ Action: 'dynamodb:UpdateItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*'] } } }),
        );
      }
    });

    it('lets only the routes that push manage WebSocket connections and hand shards to the push worker', () => {
      const pushes = (prefix: string) => actionsOf(statementsOf(template, prefix)).includes('execute-api:ManageConnections');
      const handsOff = (prefix: string) =>
        statementsOf(template, prefix).some((st) => actionsOf([st]).includes('lambda:InvokeFunction') && JSON.stringify(st.Resource).includes('HaltWebSocketPushWorker'));
      for (const prefix of ['HaltRestKillAgent', 'HaltRestBulkKill', 'HaltRestHeartbeat', 'HaltPipelineConsumer']) {
        expect([prefix, pushes(prefix), handsOff(prefix)]).toEqual([prefix, true, true]);
      }
      expect(pushes('HaltWebSocketPushWorker')).toBe(true);
      for (const prefix of ['HaltRestListAgents', 'HaltRestPutPolicy', 'HaltRestCreateKey']) {
        expect(statementsOf(template, prefix).length).toBeGreaterThan(0);
        expect([prefix, pushes(prefix), handsOff(prefix)]).toEqual([prefix, false, false]);
      }
      // the worker hands nothing on, and is invoked by its unqualified ARN only
      expect(handsOff('HaltWebSocketPushWorker')).toBe(false);
      const invokes = statementsOf(template, '').filter((st) => actionsOf([st]).includes('lambda:InvokeFunction'));
      for (const st of invokes) expect(JSON.stringify(st.Resource)).not.toContain(':*');
    });

    it('lets the functions that can breach a budget put BudgetBreached on the bus, and no route that cannot', () => {
      const putsEvents = (prefix: string) =>
        statementsOf(template, prefix).some((st) => actionsOf([st]).includes('events:PutEvents') && JSON.stringify(st.Resource).includes('HaltEvents'));
      // an intent over the budget, or a heartbeat's reported cost, breaches it (REST and WebSocket)
      for (const prefix of ['HaltRestSubmitIntent', 'HaltRestHeartbeat', 'HaltWebSocketHeartbeat', 'HaltPipelineConsumer']) {
        expect([prefix, putsEvents(prefix)]).toEqual([prefix, true]);
      }
      for (const prefix of ['HaltRestKillAgent', 'HaltRestListAgents', 'HaltRestPutPolicy', 'HaltWebSocketAck', 'HaltWebSocketConnect']) {
        expect([prefix, putsEvents(prefix)]).toEqual([prefix, false]);
      }
    });

    it('lets the consumer brake only the functions named for the hard stop', () => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const arn = 'arn:aws:lambda:us-east-1:111111111111:function:email-sender';
      const braking = Template.fromStack(new HaltStack(app, 'Brake', { env: { region: 'us-east-1', account: '111111111111' }, hardStopFunctionArns: [arn] }));
      expect(statementsOf(braking, 'HaltPipelineConsumer')).toContainEqual(
        expect.objectContaining({
          Action: ['lambda:GetFunctionConcurrency', 'lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'],
          Resource: arn,
        }),
      );
      // and without named functions, no Lambda permission but handing shards to the push worker
      const lambdaGrants = statementsOf(template, 'HaltPipelineConsumer').filter((st) => actionsOf([st]).some((a) => a.startsWith('lambda:')));
      expect(actionsOf(lambdaGrants)).toEqual(['lambda:InvokeFunction']);
      expect(JSON.stringify(lambdaGrants.map((st) => st.Resource))).toContain('HaltWebSocketPushWorker');
    });

    it('grants `*` resources only for X-Ray, whose actions have no resource-level permissions', () => {
      const everything = statementsOf(template, '').filter((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]).includes('*'));
      expect(everything.length).toBeGreaterThan(0);
      expect([...new Set(actionsOf(everything))].sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    });

    it('grants no function dynamodb:* or DynamoDB on every resource', () => {
      const all = statementsOf(template, '');
      expect(all.length).toBeGreaterThan(0);
      for (const s of all) {
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        expect(actions).not.toContain('dynamodb:*');
        const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
        if (actions.some((a) => a.startsWith('dynamodb:'))) expect(resources).not.toContain('*');
      }
    });
  });

  describe('stream pipeline', () => {
    it('alarms when a hard stop could not brake a function, counted from the consumer\'s HardStopFailed errors', () => {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: '{ $.message = "HardStopFailed" }',
        MetricTransformations: [Match.objectLike({ MetricNamespace: 'Halt', MetricName: 'HardStopFailures', MetricValue: '1' })],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'HardStopFailures',
        Namespace: 'Halt',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('feeds the consumer agent items and acknowledgements only, with partial batch responses, bisect, bounded retries and failed batches kept whole in S3', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 100,
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 24 * 60 * 60,
        // agent items, and instance items written by an acknowledgement (they carry its mark)
        FilterCriteria: {
          Filters: [
            { Pattern: '{"dynamodb":{"Keys":{"sk":{"S":["AGENT"]}}}}' },
            // a stop marker written or replicated: the write region folds it into the agent's history
            { Pattern: '{"eventName":["INSERT","MODIFY"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"AGENT#STOP#"}]}}}}' },
            { Pattern: '{"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"INSTANCE#"}]}},"NewImage":{"ackedAt":{"S":[{"exists":true}]}}}}' },
            // fleet action kills, and approvals created or moved on (one filter: Lambda takes five)
            { Pattern: '{"eventName":["INSERT","MODIFY"],"dynamodb":{"Keys":{"pk":{"S":["FLEET#ACTIONS",{"prefix":"APPROVAL#"}]}}}}' },
            // a key revoked: the consumer closes the connections it opened
            { Pattern: '{"eventName":["REMOVE"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"KEYID#"}]}}}}' },
          ],
        },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HaltPipelineFailedBatches'), 'Arn'] } } },
      });
      // failed batches go to S3, not to a queue: the only queues are the stop reminders' and their dead letters
      template.resourceCountIs('AWS::SQS::Queue', 2);
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        MetricsConfigurations: [{ Id: 'FailedBatches', Prefix: 'aws/lambda/' }],
      });
      // The consumer writes Lambda's records and nothing else; only the replay route deletes them.
      const consumerS3 = statementsOf(template, 'HaltPipelineConsumer').filter((st) => actionsOf([st]).some((a) => a.startsWith('s3:')));
      expect(actionsOf(consumerS3).sort()).toEqual(['s3:ListBucket', 's3:PutObject']);
      const listS3 = actionsOf(statementsOf(template, 'HaltRestListFailedBatches')).filter((a) => a.startsWith('s3:'));
      expect(listS3.sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
      const replay = actionsOf(statementsOf(template, 'HaltRestReplayFailedBatches'));
      expect(replay.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:ListBucket']);
      expect(replay).toContain('lambda:InvokeFunction');
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.resourceCountIs('AWS::Events::Archive', 1);
    });
  });

  describe('sweeper', () => {
    it('runs every minute and may only mark instance items and expire approvals', () => {
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
      const sweeper = statementsOf(template, 'HaltSweepSweeper');
      for (const st of onStateTable(sweeper).filter((x) => actionsOf([x]).some((a) => a === 'dynamodb:PutItem' || a === 'dynamodb:DeleteItem'))) {
        expect(st.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*', 'APPROVAL#*'] } });
      }
      expect(sweeper).toContainEqual(
        expect.objectContaining({ Action: 'dynamodb:UpdateItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*'] } } }),
      );
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('has no unacknowledged finding (each acknowledgement carries its reason)', () => {
      // GIVEN the app with the AwsSolutions pack
      const app = newApp();
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      new HaltStack(app, 'Nagged', { env: { region: 'us-east-1', account: '111111111111' }, replicaRegions: ['eu-west-1'] });
      // WHEN it synthesizes THEN validation passes (a finding would make synth throw)
      expect(() => app.synth()).not.toThrow();
    });

    it('reports a finding when one is not acknowledged, so the check above can fail', () => {
      const app = newApp();
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const stack = new HaltStack(app, 'Strict', { env: { region: 'us-east-1', account: '111111111111' } });
      // an extra public resource nobody acknowledged
      new Queue(stack, 'Unchecked');
      expect(() => app.synth()).toThrow();
    });
  });
});
