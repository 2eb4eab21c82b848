/**
 * `halt.protect(fn, { agentId })`: the one line a team adds for a Lambda-hosted agent. The
 * example app (examples/protected-agent) synthesizes; the protected function may read its own
 * agent's items and nothing else, gets the middleware's environment, and is on the hard stop's
 * allow-list (the consumer may set its reserved concurrency, every Halt function knows it).
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HaltStack } from '../../../infra/halt-stack';
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

  const [secretId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::SecretsManager::Secret') ?? [];
  const statementsOf = (roleRef: string) =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && roleRef.includes(JSON.stringify(r.Properties.Roles[0]).slice(8, -2)))
      .flatMap((r) => r.Properties.PolicyDocument.Statement);

  it('lets the function read its own agent\'s items in the state table and its key\'s secret, and nothing else', () => {
    expect(statementsOf(JSON.stringify(mailer?.Properties.Role))).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:Query', 'dynamodb:GetItem'],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['AGENT#email-campaign'] } },
      }),
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } },
    ]);
  });

  it('mints the agent\'s key at deploy into that secret: the provisioner may write that secret, agents and keys, nothing else', () => {
    const [, keyResource] = Object.entries(resources).find(([, r]) => r.Type === 'Custom::HaltAgentKey') ?? [];
    expect(keyResource?.Properties).toMatchObject({ AgentId: 'email-campaign', SecretId: { Ref: secretId }, KeyName: 'protect:email-campaign-mailer', Actor: 'deploy:EmailCampaign' });
    expect(mailer?.Properties.Environment.Variables.HALT_AGENT_KEY_SECRET).toEqual({ Ref: secretId });
    const provisioner = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('HaltAgentKeysProvision') && !id.includes('Provider'))?.[1];
    expect(provisioner?.Properties.Handler).toBe('index.handler');
    const statements = statementsOf(JSON.stringify(provisioner?.Properties.Role));
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'secretsmanager:PutSecretValue', Resource: { Ref: secretId } });
    const writes = statements.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a === 'dynamodb:PutItem'));
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) expect(write.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys']).toEqual(['AGENT#*', 'TAG#*', 'KEY#*', 'KEYID#*']);
    // no secret action on anything but that secret
    expect(statements.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:'))).map((s: { Resource: unknown }) => s.Resource)).toEqual([{ Ref: secretId }]);
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

  it('adds no cdk-nag finding it does not acknowledge with its reason (key provisioner, secret, Provider framework)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new HaltStack(app, 'Nagged', { env: { region: 'us-east-1', account: '111111111111' } });
    const fn = new LambdaFunction(stack, 'Mailer', { functionName: 'nagged-mailer', runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => 1') });
    Validations.of(fn).acknowledge({ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: "the test's own function" });
    stack.controlPlane.protect(fn, { agentId: 'nagged', createKey: true });
    expect(() => app.synth()).not.toThrow();
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
