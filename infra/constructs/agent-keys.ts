/**
 * Agent keys made at deploy for protected functions (`halt.protect(fn, { agentId, createKey:
 * true })`): one function (lambdas/keys/provision-agent-key.ts) behind the CDK Provider
 * framework, and per protected function a Secrets Manager secret and a custom resource that
 * mints the key into it. The key is written to the secret only; CloudFormation sees its id.
 */
import { type CfnElement, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ROUTES } from '../../lambdas/edge/route-table';
import { HaltFunction } from './halt-function';
import { grantItemWrites, grantOtherReplicas } from './grants';

export interface AgentKeysProps {
  readonly table: ITableV2;
  readonly environment: Record<string, string>;
  readonly otherRegions: readonly string[];
  readonly logRetention?: RetentionDays;
}

export class AgentKeys extends Construct {
  public readonly provisioner: HaltFunction;
  private readonly provider: Provider;

  public constructor(scope: Construct, id: string, props: AgentKeysProps) {
    super(scope, id);
    this.provisioner = new HaltFunction(this, 'Provision', {
      entry: 'keys/provision-agent-key.ts',
      environment: props.environment,
      // A key for an agent another region created a moment ago waits for it (a few seconds).
      timeout: Duration.seconds(30),
      description: 'Halt: mints a protected function\'s agent key into its secret (deploy time)',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    // What POST /v1/agents (an agent and its first key, in the write region) and
    // DELETE /v1/keys/{keyId} write, and nothing else.
    const creates = ROUTES.createAgent.writes;
    props.table.grantReadData(this.provisioner);
    grantItemWrites({ fn: this.provisioner, table: props.table, actions: [...creates.actions, ...ROUTES.deleteKey.writes.actions], prefixes: creates.prefixes });
    grantOtherReplicas({ fn: this.provisioner, table: props.table, regions: props.otherRegions, writes: creates });
    this.provider = new Provider(this, 'Provider', { onEventHandler: this.provisioner });
    Validations.of(this.provider).acknowledge(
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The CDK Provider framework\'s own function logs with the basic execution role.' },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.provisioner.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'The Provider framework invokes the provisioner and its versions.',
      },
      { id: 'AwsSolutions-L1', reason: 'The CDK Provider framework picks its own function\'s runtime.' },
    );
  }

  /** A secret holding `agentId`'s key, minted at deploy; its value is the key and nothing else. */
  public provision(scope: Construct, id: string, options: { readonly agentId: string; readonly keyName: string }): Secret {
    const secret = new Secret(scope, id, {
      description: `Halt agent key of "${options.agentId}" (${options.keyName}); written at deploy, revoked when removed`,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotated by replacing the resource (a new key is minted and the old one revoked), not by a rotation function; keys can also be revoked any time (DELETE /v1/keys/{keyId}).',
    });
    this.provisioner.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['secretsmanager:PutSecretValue'], resources: [secret.secretArn] }));
    const resource = new CustomResource(scope, `${id}Key`, {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::HaltAgentKey',
      properties: { AgentId: options.agentId, SecretId: secret.secretArn, KeyName: options.keyName, Actor: `deploy:${Stack.of(scope).stackName}` },
    });
    // The provisioner's grant on the secret (its role's policy) is in place before it writes.
    if (this.provisioner.role) resource.node.addDependency(this.provisioner.role);
    return secret;
  }
}
