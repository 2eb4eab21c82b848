/** The WebSocket API, the alarms, and the two-region app (bundling skipped: these check templates). */
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildHaltApp, parseRegions } from '../../../infra/halt-app';
import { HaltStack } from '../../../infra/halt-stack';

const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
const env = (region: string) => ({ region, account: '111111111111' });

describe('Halt across regions', () => {
  describe('WebSocket API', () => {
    const template = Template.fromStack(new HaltStack(newApp(), 'Ws', { env: env('us-east-1') }));

    it('routes by action, with the key authorizer on $connect only', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as {
        Properties: { RouteKey: string; AuthorizationType?: string };
      }[];
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(['$connect', '$default', '$disconnect', 'ack', 'heartbeat', 'ping']);
      expect(routes.find((r) => r.Properties.RouteKey === '$connect')?.Properties.AuthorizationType).toBe('CUSTOM');
      // the SDK's keep-alive is answered by API Gateway itself: no Lambda behind it
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<
        string,
        { Properties: { IntegrationType: string; RequestTemplates?: Record<string, string>; TemplateSelectionExpression?: string } }
      >;
      const ping = routes.find((r) => r.Properties.RouteKey === 'ping') as unknown as { Properties: { Target: { 'Fn::Join': [string, unknown[]] } } };
      const target = JSON.stringify(ping.Properties.Target);
      const [pingIntegration] = Object.entries(integrations).filter(([id]) => target.includes(id));
      expect(pingIntegration?.[1].Properties.IntegrationType).toBe('MOCK');
      // a MOCK integration answers only when its request template gives it a status code
      expect(pingIntegration?.[1].Properties).toMatchObject({ RequestTemplates: { $default: '{"statusCode": 200}' }, TemplateSelectionExpression: '\\$default' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        AutoDeploy: true,
        AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
        DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 500 }),
      });
    });

    it('keeps connections in a regional table with TTL, and gives pushers its endpoint', () => {
      const tables = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')) as { Properties: Record<string, unknown> }[];
      expect(tables).toHaveLength(2);
      const connections = tables.find((t) => t.Properties.StreamSpecification === undefined);
      expect(connections?.Properties).toMatchObject({ TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
      const kill = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('HaltRestKillAgent'));
      const variables = (kill?.[1] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(['HALT_CONNECTIONS_TABLE', 'HALT_WEBSOCKET_ENDPOINT', 'HALT_STATE_TABLE']));
    });

    it('has alarms on the stream iterator age, failed batches and REST 5xx', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Namespace: 'AWS/Lambda' });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'PutRequests', Namespace: 'AWS/S3', Threshold: 0, Dimensions: Match.arrayWith([{ Name: 'FilterId', Value: 'FailedBatches' }]) });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' });
    });
  });

  describe('two regions', () => {
    const build = () => {
      const app = newApp();
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const primary = new HaltStack(app, 'Primary', { env: env('us-east-1'), replicaRegions: ['eu-west-1'], crossRegionReferences: true });
      const secondary = new HaltStack(app, 'Secondary', {
        env: env('eu-west-1'),
        replicaOf: { tableName: primary.controlPlane.table.tableName, writeRegion: 'us-east-1' },
        crossRegionReferences: true,
      });
      return { app, primary, secondary };
    };
    // One app for the template tests: synthesizing two stacks (and running cdk-nag) takes seconds.
    let built: ReturnType<typeof build> | undefined;
    const twoRegions = () => (built ??= build());

    it('gives the primary the global table and the secondary a full control plane on its replica', () => {
      const { primary, secondary } = twoRegions();
      Template.fromStack(primary).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: Match.arrayWith([Match.objectLike({ Region: 'eu-west-1' }), Match.objectLike({ Region: 'us-east-1' })]),
      });
      const second = Template.fromStack(secondary);
      // only its regional connections table: the state table is the primary's replica
      second.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      // the replica's stream ARN is looked up in its region at deploy time, and feeds the consumer
      const custom = (Object.values(second.findResources('Custom::AWS')) as { Properties: { Update: unknown } }[]).map((c) => JSON.stringify(c.Properties.Update));
      expect(custom.filter((update) => update.includes('describeTable'))).toHaveLength(1);
      // and each region enters itself in the region registry (its management endpoint), for the others' direct pushes
      for (const [stack, region] of [[primary, 'us-east-1'], [secondary, 'eu-west-1']] as const) {
        const registry = (Object.values(Template.fromStack(stack).findResources('Custom::AWS')) as { Properties: { Update: unknown } }[]).map((c) => JSON.stringify(c.Properties.Update)).filter((u) => u.includes('putItem'));
        expect(registry).toHaveLength(1);
        expect(registry[0]).toContain(`REGION#${region}`);
        expect(registry[0]).toContain('managementEndpoint');
      }
      // the replica's stream feeds the consumer; the reminders queue feeds the Remind function
      second.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
      second.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      second.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    });

    it('writes agent items in the write region and confirms each change in every replica', () => {
      const { primary, secondary } = twoRegions();
      const functionEnv = (template: Template, prefix: string) => {
        const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix)) ?? [];
        return (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
      };
      for (const stack of [primary, secondary]) {
        expect(functionEnv(Template.fromStack(stack), 'HaltRestKillAgent')).toMatchObject({ HALT_WRITE_REGION: 'us-east-1', HALT_REGIONS: expect.stringMatching(/us-east-1/) });
      }
      // the secondary's kill may read and update agent items in the write region's replica, nothing more
      const policies = Object.values(Template.fromStack(secondary).findResources('AWS::IAM::Policy')) as { Properties: { PolicyName: string; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] } } }[];
      const kill = policies.filter((p) => p.Properties.PolicyName.startsWith('HaltRestKillAgent')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const onWriteRegion = kill.filter((st) => JSON.stringify(st.Resource).includes(':dynamodb:us-east-1:'));
      expect(onWriteRegion.flatMap((st) => [st.Action].flat()).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
      expect(onWriteRegion.find((st) => [st.Action].flat().includes('dynamodb:UpdateItem'))?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENT#*'] } });
      // a read-only route gets nothing outside its own region
      const list = policies.filter((p) => p.Properties.PolicyName.startsWith('HaltRestListAgents')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(JSON.stringify(list)).not.toContain(':dynamodb:us-east-1:');
    });

    it('passes cdk-nag in both regions', () => {
      // an app of its own: the check must see a first synthesis, not a cached one
      const { app } = build();
      expect(() => app.synth()).not.toThrow();
    });

    it('refuses a replica stack that also asks for replicas', () => {
      expect(
        () => new HaltStack(newApp(), 'Both', { env: env('eu-west-1'), replicaRegions: ['us-east-1'], replicaOf: { tableName: 't', writeRegion: 'us-east-1' } }),
      ).toThrow(/either replicaRegions .* or replicaOf/);
    });
  });

  describe('the app', () => {
    it('makes one stack per region from -c regions, the first owning the table, and passes cdk-nag', () => {
      const app = newApp();
      const stacks = buildHaltApp(app, { regions: parseRegions('us-east-1,eu-west-1', undefined), account: '111111111111' });
      expect(stacks.map((s) => s.stackName)).toEqual(['Halt-us-east-1', 'Halt-eu-west-1']);
      const assembly = app.synth();
      expect(assembly.stacks.map((s) => s.environment.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    });

    it.each([
      ['', undefined, /say which regions/],
      ['us-east-1,moon-1', undefined, /moon-1 is not an AWS region/],
      ['eu-west-1,eu-west-1', undefined, /list each region once/],
    ])('refuses regions %j with a message that says how to fix it', (value, fallback, message) => {
      expect(() => parseRegions(value, fallback)).toThrow(message);
    });
  });

  describe('strong consistency', () => {
    it('accepts three regions of one region set', () => {
      const stack = new HaltStack(newApp(), 'Strong', {
        env: env('us-east-1'),
        replicaRegions: ['us-east-2', 'us-west-2'],
        consistency: { strong: {} },
      });
      Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', { MultiRegionConsistency: 'STRONG' });
    });

    it.each([
      ['two regions', ['us-east-2'], undefined, /exactly three regions/],
      ['regions of two sets', ['eu-west-1', 'us-west-2'], undefined, /one region set/],
      ['a witness with two replicas', ['us-east-2', 'us-west-2'], 'us-west-2', /exactly three regions/],
    ])('refuses %s, saying what it needs', (_label, replicaRegions, witnessRegion, message) => {
      expect(
        () =>
          new HaltStack(newApp(), 'Bad', {
            env: env('us-east-1'),
            replicaRegions,
            consistency: { strong: witnessRegion ? { witnessRegion } : {} },
          }),
      ).toThrow(message);
    });
  });
});
