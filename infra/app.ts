/**
 * The Halt CDK app: `npx cdk deploy --all -c regions=us-east-1,eu-west-1` (docs/deploy.md).
 */
import { App } from 'aws-cdk-lib';
import { buildHaltApp, parseRegions } from './halt-app';

const app = new App();
buildHaltApp(app, {
  regions: parseRegions(app.node.tryGetContext('regions'), process.env.CDK_DEFAULT_REGION),
  dashboard: ['true', true].includes(app.node.tryGetContext('dashboard') as string | boolean),
  // -c hardStopFunctions=arn:aws:lambda:…,arn:aws:lambda:… — the functions agents may brake
  ...(typeof app.node.tryGetContext('hardStopFunctions') === 'string'
    ? { hardStopFunctionArns: (app.node.tryGetContext('hardStopFunctions') as string).split(',').map((a) => a.trim()).filter(Boolean) }
    : {}),
  ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}),
});
