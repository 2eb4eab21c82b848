/**
 * `halt.protect(fn, { agentId })`: the one line a team adds for a Lambda-hosted agent. The
 * example app (examples/protected-agent) synthesizes; the protected function may read its own
 * agent's items and nothing else, gets the middleware's environment, and is on the hard stop's
 * allow-list (the consumer may set its reserved concurrency, every Halt function knows it).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { HaltControlPlane } from '../../../infra/constructs/halt-control-plane';
import { buildExampleApp } from '../../../examples/protected-agent/app';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

describe('protect', () => {
  const stack = buildExampleApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Resources;
  const [mailerId, mailer] = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Mailer')) ?? [];

  it('lets the function read its own agent\'s items in the state table, and nothing else there', () => {
    const roleRef = JSON.stringify(mailer?.Properties.Role);
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && roleRef.includes(JSON.stringify(r.Properties.Roles[0]).slice(8, -2)))
      .flatMap((r) => r.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:Query', 'dynamodb:GetItem'],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['AGENT#email-campaign'] } },
      }),
    ]);
  });

  it('gives the function what the middleware reads: the API, its agent and the table', () => {
    expect(Object.keys(mailer?.Properties.Environment.Variables ?? {}).sort()).toEqual(expect.arrayContaining(['HALT_AGENT_ID', 'HALT_STATE_TABLE', 'HALT_URL']));
    expect(mailer?.Properties.Environment.Variables.HALT_AGENT_ID).toBe('email-campaign');
  });

  it('allow-lists it for the hard stop: the consumer may brake it, every Halt function knows it may be named', () => {
    const consumerPolicies = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('HaltPipelineConsumer'));
    const brake = consumerPolicies.flatMap(([, r]) => r.Properties.PolicyDocument.Statement).find((st: { Action: string[] }) => [st.Action].flat().includes('lambda:PutFunctionConcurrency'));
    expect(JSON.stringify(brake?.Resource)).toContain(':function:email-campaign-mailer');
    const putPolicy = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('HaltRestPutPolicy'))?.[1];
    expect(JSON.stringify(putPolicy?.Properties.Environment.Variables.HALT_HARD_STOP_FUNCTIONS)).toContain(':function:email-campaign-mailer');
    // named by an ARN made of its name: Halt's functions do not depend on it (no cycle)
    expect(JSON.stringify(putPolicy?.Properties.Environment.Variables.HALT_HARD_STOP_FUNCTIONS)).not.toContain(mailerId);
  });

  it('puts it under its agent: the consumer brakes it on that agent\'s kill, whatever the policy names', () => {
    const consumer = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('HaltPipelineConsumer'))?.[1];
    const pairs = JSON.stringify(consumer?.Properties.Environment.Variables.HALT_PROTECTED_FUNCTIONS);
    expect(pairs).toMatch(/^"email-campaign=arn:|\["email-campaign=arn:/);
    expect(pairs).toContain(':function:email-campaign-mailer');
    // only the consumer brakes: the REST functions do not carry the pairs
    const putPolicy = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('HaltRestPutPolicy'))?.[1];
    expect(putPolicy?.Properties.Environment.Variables.HALT_PROTECTED_FUNCTIONS).toBeUndefined();
  });

  it('refuses an agent id the API would refuse', () => {
    const other = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Other', { env: { region: 'us-east-1' } });
    const plane = new HaltControlPlane(other, 'Halt');
    const fn = new LambdaFunction(other, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => 1') });
    expect(() => plane.protect(fn, { agentId: 'Email Campaign' })).toThrow(/not an agent id/);
    // a generated name cannot be allow-listed for the hard stop without a cycle: say so
    expect(() => plane.protect(fn, { agentId: 'mailer' })).toThrow(/give Other\/Fn a functionName/);
    expect(() => plane.protect(fn, { agentId: 'mailer', hardStop: false })).not.toThrow();
  });
});
