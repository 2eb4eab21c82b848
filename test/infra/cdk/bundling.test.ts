/**
 * Every function's bundle: each handler entry of the stack builds as ESM with the stack's own
 * bundling options (`HALT_BUNDLING`) and loads in Node, exporting its handler; and CDK's
 * `NodejsFunction` bundles with the local esbuild (no Docker), the health bundle answering
 * through its middy chain.
 *
 * The entries are built in one esbuild run rather than one CDK synth per function: the same
 * options, and about forty times less work than fifty separate bundlings (which took 77 s of
 * the suite on two cores). CDK's own bundling path is the same for every function (they all
 * go through `HaltFunction`), so it is run for one.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { HALT_BUNDLING, HaltFunction, LAMBDAS_DIR } from '../../../infra/constructs/halt-function';
import { HaltStack } from '../../../infra/halt-stack';

const root = join(__dirname, '..', '..', '..');

/** What a bundle sees in Lambda: the configuration's variables, and a DynamoDB that does not answer. */
const lambdaEnv = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bundle-check',
  AWS_SECRET_ACCESS_KEY: 'bundle-check',
  HALT_STATE_TABLE: 'state',
  HALT_EVENT_BUS: 'bus',
  HALT_LOG_LEVEL: 'SILENT',
  // nothing listens there: a handler that reaches DynamoDB must answer 503 through its error handler
  HALT_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

describe('function bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'halt-cdk-'));
  // inside node_modules, so a bundle resolves the AWS SDK the way Lambda's runtime provides it
  const cacheDir = join(root, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const checkDir = mkdtempSync(join(cacheDir, 'halt-bundle-'));
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(checkDir, { recursive: true, force: true });
  });

  // The stack as deployed, without bundling: which function runs which entry.
  const stack = new HaltStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bundled', { env: { region: 'us-east-1', account: '111111111111' } });
  const haltFunctions = stack.node.findAll().filter((c): c is HaltFunction => c instanceof HaltFunction);
  const logicalIdOf = (fn: HaltFunction) => stack.getLogicalId(fn.node.defaultChild as CfnFunction);
  const template = Template.fromStack(stack);

  it('builds every function entry of the stack as ESM with its bundling options, and each bundle loads and exports its handler', async () => {
    const nodeFunctions = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }));
    // every Node.js function of the template is a HaltFunction (so it is bundled as checked here)
    expect(haltFunctions.map(logicalIdOf).sort()).toEqual(nodeFunctions.sort());
    expect(haltFunctions.length).toBeGreaterThan(40);

    const entries = [...new Set(haltFunctions.map((fn) => fn.entry))];
    const names = new Map(entries.map((entry, i) => [`fn${i}`, entry]));
    const result = await build({
      entryPoints: Object.fromEntries(names),
      outdir: checkDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: HALT_BUNDLING.target,
      minify: HALT_BUNDLING.minify,
      keepNames: HALT_BUNDLING.keepNames,
      sourcemap: HALT_BUNDLING.sourceMap,
      mainFields: HALT_BUNDLING.mainFields,
      banner: { js: HALT_BUNDLING.banner ?? '' },
      external: HALT_BUNDLING.externalModules,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(HALT_BUNDLING.format).toBe('esm');

    // Each bundle imported in a fresh Node, as Lambda's runtime imports it at a cold start.
    writeFileSync(
      join(checkDir, 'load-all.mjs'),
      [
        `const names = ${JSON.stringify([...names.keys()])};`,
        'const loaded = {};',
        'for (const name of names) {',
        '  try { const mod = await import(`./${name}.mjs`); loaded[name] = typeof mod.handler; }',
        '  catch (error) { loaded[name] = `failed: ${error.message}`; }',
        '}',
        'process.stdout.write(JSON.stringify(loaded));',
      ].join('\n'),
    );
    const loaded = JSON.parse(execFileSync(process.execPath, [join(checkDir, 'load-all.mjs')], { env: lambdaEnv, encoding: 'utf8', timeout: 60_000 })) as Record<string, string>;
    const byEntry = Object.fromEntries([...names].map(([name, entry]) => [relative(LAMBDAS_DIR, entry), loaded[name]]));
    expect(byEntry).toEqual(Object.fromEntries([...names.values()].map((entry) => [relative(LAMBDAS_DIR, entry), 'function'])));
  });

  it('bundles a function through CDK with the local esbuild (no Docker), and the health bundle answers through its middy chain', () => {
    const healthId = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { Description: 'Halt GET /v1/health' } }))[0]?.[0];
    const health = haltFunctions.find((fn) => logicalIdOf(fn) === healthId);
    if (!health) throw new Error('no health function in the stack');

    const app = new App({ outdir });
    const bundled = new Stack(app, 'HealthOnly', { env: { region: 'us-east-1', account: '111111111111' } });
    const fn = new HaltFunction(bundled, 'Health', { entry: relative(LAMBDAS_DIR, health.entry), environment: {} });
    app.synth();
    const { Code } = Template.fromStack(bundled).toJSON().Resources[bundled.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties as { Code: { S3Key: string } };
    const bundle = join(outdir, `asset.${Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);

    copyFileSync(bundle, join(checkDir, 'index.mjs'));
    writeFileSync(
      join(checkDir, 'run.mjs'),
      [
        "const { handler } = await import('./index.mjs');",
        "const res = await handler({ httpMethod: 'GET', path: '/v1/health', resource: '/v1/health', headers: {}, requestContext: {} },",
        "  { awsRequestId: 'bundle-check', functionName: 'health', getRemainingTimeInMillis: () => 1000 });",
        'process.stdout.write(JSON.stringify(res));',
      ].join('\n'),
    );
    const res = JSON.parse(execFileSync(process.execPath, [join(checkDir, 'run.mjs')], { env: lambdaEnv, encoding: 'utf8', timeout: 30_000 }));
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'service_unavailable', message: expect.stringContaining('bundle-check') } });
    // minified, yet errors keep their class names (they name themselves after their class)
    expect(readFileSync(bundle, 'utf8')).toContain('"ServiceUnavailableError"');
  });
});
