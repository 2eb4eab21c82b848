/** The MCP header key: multi-Region, its replica in each other region, used by two routes with one action each. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildHaltApp } from '../../../infra/halt-app';

type Statement = { Action: string | string[]; Resource: unknown };

describe('MCP header key (GIVEN a deployment in two regions)', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const [primary, replica] = buildHaltApp(app, { regions: ['us-east-1', 'eu-west-1'], account: '111111111111' });
  if (!primary || !replica) throw new Error('two stacks expected');
  const first = Template.fromStack(primary);
  const second = Template.fromStack(replica);

  const kmsActionsOf = (template: Template, functionPrefix: string): string[] => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith(functionPrefix));
    return policies
      .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement)
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .filter((a) => a.startsWith('kms:'))
      .sort();
  };

  it('THEN the owner makes a multi-Region key with rotation, kept when the stack goes, and the other region its replica', () => {
    first.hasResource('AWS::KMS::Key', { Properties: { MultiRegion: true, EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    second.resourceCountIs('AWS::KMS::Key', 0);
    second.hasResource('AWS::KMS::ReplicaKey', { DeletionPolicy: 'Retain' });
  });

  it('THEN only the registry encrypts and only the MCP endpoint decrypts, with this region\'s key', () => {
    for (const template of [first, second]) {
      expect(kmsActionsOf(template, 'HaltRestPutMcpServer')).toEqual(['kms:Encrypt']);
      expect(kmsActionsOf(template, 'HaltRestMcpEndpoint')).toEqual(['kms:Decrypt']);
      const everyKmsUser = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) => JSON.stringify(p).includes('"kms:'));
      expect(everyKmsUser.map(([id]) => id.replace(/[A-F0-9]{8}$/, '')).sort()).toEqual(['HaltRestMcpEndpointServiceRoleDefaultPolicy', 'HaltRestPutMcpServerServiceRoleDefaultPolicy']);
    }
    const endpoint = Object.values(second.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('POST /v1/mcp/')) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(JSON.stringify(endpoint.Properties.Environment.Variables.HALT_MCP_KEY_ID)).toContain('McpHeaderKeyReplica');
  });
});
