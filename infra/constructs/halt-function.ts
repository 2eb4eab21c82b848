/**
 * The one base construct every Halt Lambda goes through: Node.js 22 on arm64, bundled with
 * the local esbuild as ESM, X-Ray tracing, a log group with retention, Powertools settings and
 * the environment the handlers' config module reads.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';

/** The folder of the handlers' entry files. */
export const LAMBDAS_DIR = join(__dirname, '..', '..', 'lambdas');

export interface HaltFunctionProps {
  /** Entry file, relative to `lambdas/` (e.g. `control/kill-agent.ts`). */
  readonly entry: string;
  /** Environment the handlers' configuration reads (table, bus, log level). */
  readonly environment: Record<string, string>;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Short description shown in the console. @default the entry file */
  readonly description?: string;
}

/**
 * How every Halt function is bundled (exported so the bundling test builds every entry with
 * exactly these options).
 */
export const HALT_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  // Error classes name themselves after their class (lambdas/domain/errors.ts), and logs
  // show those names: minified, they would read `e` or `t`.
  keepNames: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // Some dependencies still `require()` Node built-ins; give the ESM bundle a require.
  banner: "import { createRequire as __haltCreateRequire } from 'module'; const require = __haltCreateRequire(import.meta.url);",
  externalModules: ['@aws-sdk/*'],
  forceDockerBundling: false,
};

export class HaltFunction extends NodejsFunction {
  /** The handler's entry file (absolute). */
  public readonly entry: string;

  public constructor(scope: Construct, id: string, props: HaltFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const entry = join(LAMBDAS_DIR, props.entry);
    super(scope, id, {
      entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      description: props.description ?? `Halt ${props.entry}`,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'halt',
        HALT_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: HALT_BUNDLING,
    });
    this.entry = entry;
    // Active tracing grants X-Ray's two actions on `*` (they have no resource-level
    // permissions). Accepted here, on Halt's functions only, not stack-wide: any other `*`
    // grant anywhere still fails cdk-nag, and a template test checks that every `*` statement
    // is X-Ray's.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource-level permissions.',
    });
  }
}
