/** The dashboard hosting option: private bucket behind CloudFront, the API on the same origin. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DashboardHosting } from '../../../infra/constructs/dashboard-hosting';
import { HaltStack } from '../../../infra/halt-stack';

describe('dashboard hosting', () => {
  const build = () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new HaltStack(app, 'WithDashboard', { env: { region: 'us-east-1', account: '111111111111' }, dashboard: true });
    return { app, template: Template.fromStack(stack) };
  };

  it('serves the app from a private bucket and the API at /v1/* on the same origin, uncached', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site/' }),
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        CacheBehaviors: [Match.objectLike({ PathPattern: '/v1/*', ViewerProtocolPolicy: 'https-only', CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad' })],
      }),
    });
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  it('passes cdk-nag with its acknowledgements', () => {
    const { app } = build();
    expect(() => app.synth()).not.toThrow();
  });

  it('grants `*` resources only for X-Ray and for the deployment\'s CloudFront invalidation', () => {
    const { template } = build();
    const wildcard = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement.filter((st) =>
        (Array.isArray(st.Resource) ? st.Resource : [st.Resource]).includes('*'),
      ).map((st) => ({ id, actions: [st.Action].flat().sort().join(',') })),
    );
    for (const { id, actions } of wildcard) {
      if (id.startsWith('CustomCDKBucketDeployment')) expect(actions).toBe('cloudfront:CreateInvalidation,cloudfront:GetInvalidation');
      else expect([id, actions]).toEqual([id, 'xray:PutTelemetryRecords,xray:PutTraceSegments']);
    }
  });

  it('says how to fix a missing build', () => {
    const empty = mkdtempSync(join(tmpdir(), 'halt-nodist-'));
    try {
      const stack = new Stack(new App(), 'S', { env: { region: 'us-east-1' } });
      const api = new RestApi(stack, 'Api');
      api.root.addMethod('GET');
      expect(() => new DashboardHosting(stack, 'D', { restApi: api, webSocketUrl: 'wss://x', distDir: empty })).toThrow(/npm run build:dashboard/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
