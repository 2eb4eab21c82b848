/**
 * The KMS key that encrypts the header values of registered MCP servers: a multi-Region key,
 * its primary in the stack that owns the global table and a replica in every other region, so
 * a ciphertext stored (and replicated) from any region is decrypted in every region.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, AccountRootPrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnKey, CfnReplicaKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface McpHeaderKeyProps {
  /** The primary key's ARN, in the table owner's stack. @default - this construct makes the primary */
  readonly primaryKeyArn?: string;
}

/** Administration by the account, use by IAM policies (the routes' own grants). */
const keyPolicy = (): PolicyDocument =>
  new PolicyDocument({ statements: [new PolicyStatement({ actions: ['kms:*'], resources: ['*'], principals: [new AccountRootPrincipal()] })] });

export class McpHeaderKey extends Construct {
  /** This region's key (the primary, or its replica here). */
  public readonly keyArn: string;

  public constructor(scope: Construct, id: string, props: McpHeaderKeyProps = {}) {
    super(scope, id);
    const description = `Halt: header values of registered MCP servers (${Stack.of(this).stackName})`;
    if (props.primaryKeyArn) {
      const replica = new CfnReplicaKey(this, 'Replica', { primaryKeyArn: props.primaryKeyArn, keyPolicy: keyPolicy(), description });
      replica.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.keyArn = replica.attrArn;
    } else {
      const key = new CfnKey(this, 'Key', { multiRegion: true, enableKeyRotation: true, keyPolicy: keyPolicy(), description });
      // Stored headers cannot be read without it: kept when the stack goes.
      key.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.keyArn = key.attrArn;
    }
  }
}
