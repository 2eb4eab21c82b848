/**
 * Synthesizes the stack with real bundling (local esbuild, no Docker): every function gets an
 * ESM bundle, and the health bundle loads in Node and answers through its middy chain.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HaltStack } from '../../../infra/halt-stack';

const root = join(__dirname, '..', '..', '..');

describe('function bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'halt-cdk-'));
  // inside node_modules, so the bundle resolves the AWS SDK the way Lambda's runtime provides it
  const cacheDir = join(root, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const checkDir = mkdtempSync(join(cacheDir, 'halt-bundle-'));
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(checkDir, { recursive: true, force: true });
  });

  it('bundles every function as ESM, and the health bundle runs', () => {
    const app = new App({ outdir });
    const stack = new HaltStack(app, 'Bundled', { env: { region: 'us-east-1', account: '111111111111' } });
    app.synth();
    const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as {
      Properties: { Runtime?: string; Description?: string; Code: { S3Key: string } };
    }[];
    const halt = functions.filter((f) => f.Properties.Runtime === 'nodejs22.x');
    const bundleOf = (f: (typeof halt)[number]) => join(outdir, `asset.${f.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    for (const fn of halt) expect(existsSync(bundleOf(fn))).toBe(true);

    const health = halt.find((f) => f.Properties.Description === 'Halt GET /v1/health');
    if (!health) throw new Error('no health function');
    copyFileSync(bundleOf(health), join(checkDir, 'index.mjs'));
    writeFileSync(
      join(checkDir, 'run.mjs'),
      [
        "const { handler } = await import('./index.mjs');",
        "const res = await handler({ httpMethod: 'GET', path: '/v1/health', resource: '/v1/health', headers: {}, requestContext: {} },",
        "  { awsRequestId: 'bundle-check', functionName: 'health', getRemainingTimeInMillis: () => 1000 });",
        'process.stdout.write(JSON.stringify(res));',
      ].join('\n'),
    );
    const output = execFileSync(process.execPath, [join(checkDir, 'run.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bundle-check',
        AWS_SECRET_ACCESS_KEY: 'bundle-check',
        HALT_STATE_TABLE: 'state',
        HALT_EVENT_BUS: 'bus',
        HALT_LOG_LEVEL: 'SILENT',
        // nothing listens there: the handler must answer 503 through its error handler
        HALT_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const res = JSON.parse(output);
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'service_unavailable', message: expect.stringContaining('bundle-check') } });
    // minified, yet errors keep their class names (they name themselves after their class)
    expect(readFileSync(bundleOf(health), 'utf8')).toContain('"ServiceUnavailableError"');
  });
});
