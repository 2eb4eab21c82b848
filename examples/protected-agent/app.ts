/**
 * A Lambda-hosted agent protected by Halt, deployed beside it in one stack: the one line is
 * `halt.protect(mailer, { agentId: 'email-campaign', createKey: true })`. The handler
 * (./handler.ts) wraps its work with `haltMiddleware()`: direct reads, its key from the secret.
 *
 *   npx cdk synth --app "npx tsx examples/protected-agent/app.ts"
 */
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { HaltControlPlane } from '../../infra/constructs/halt-control-plane';

export const buildExampleApp = (app = new App()): Stack => {
  const stack = new Stack(app, 'EmailCampaign', { env: { region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1', ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}) } });
  const halt = new HaltControlPlane(stack, 'Halt');
  const mailer = new NodejsFunction(stack, 'Mailer', {
    // A name of its own: Halt allow-lists it for the hard stop by an ARN made of it.
    functionName: 'email-campaign-mailer',
    entry: join(__dirname, 'handler.ts'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    timeout: Duration.seconds(30),
    bundling: { minify: true },
  });
  // Its agent's key is minted at deploy into a secret only this function may read.
  halt.protect(mailer, { agentId: 'email-campaign', createKey: true });
  return stack;
};

if (require.main === module) buildExampleApp();
