/**
 * `npm start`: the local control plane on this machine, no AWS account needed.
 * Ctrl+C or SIGTERM stops everything, DynamoDB Local's Java process included.
 */
import { commaList, protectedFunctions, type HaltConfig } from '../../lambdas/config/config';
import { JavaNotFoundError } from './dynamo-engine';
import { startLocalRuntime, type LocalRuntime } from './runtime';

// The SDK warns once per process that Node 20 support ends in 2027; docs/dependencies.md says so.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${name} must be a port number (0–65535), got "${raw}"`);
  }
  return value;
};

const regionCount = (): 1 | 2 => {
  const raw = process.env.HALT_REGIONS ?? '1';
  if (raw !== '1' && raw !== '2') throw new Error(`HALT_REGIONS must be 1 or 2, got "${raw}"`);
  return raw === '2' ? 2 : 1;
};

const main = async (): Promise<void> => {
  const logLevel = (process.env.HALT_LOG_LEVEL ?? 'WARN').toUpperCase() as HaltConfig['logLevel'];
  // Signals are handled from the first moment: a stop asked for while the runtime is still
  // starting waits for it, then stops all of it (no Java process left behind).
  let starting: Promise<LocalRuntime | undefined> = Promise.resolve(undefined);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    starting
      .then((started) => started?.stop())
      .then(() => {
        console.log('stopped.');
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error('halt: error while stopping:', error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // (async, so a bad HALT_PORT is reported below like any other failure to start)
  const started = (async () =>
    startLocalRuntime({
      stateDir: process.env.HALT_STATE_DIR ?? '.halt',
      port: port('HALT_PORT', 4700),
      wsPort: port('HALT_WS_PORT', 4701),
      regions: regionCount(),
      warm: true,
      // the functions a hardStop policy may name, comma-separated ARNs (the stack's hardStopFunctionArns)
      hardStopFunctionArns: commaList(process.env.HALT_HARD_STOP_FUNCTIONS),
      // functions put under an agent, as the stack's protect does: agentId=functionArn, comma-separated
      protectedFunctions: protectedFunctions(process.env.HALT_PROTECTED_FUNCTIONS),
      ...(process.env.HALT_OPERATOR_KEY ? { operatorKey: process.env.HALT_OPERATOR_KEY } : {}),
      logLevel,
    }))();
  starting = started.catch(() => undefined);
  let runtime: LocalRuntime;
  try {
    runtime = await started;
  } catch (error) {
    if (error instanceof JavaNotFoundError) {
      console.error(`halt: ${error.message}`);
    } else {
      console.error('halt: the local control plane could not start:', error instanceof Error ? error.message : error);
    }
    process.exitCode = 1;
    return;
  }

  const lines = [
    `Halt control plane is running (${runtime.regions.map((r) => r.region).join(', ')})`,
    `  REST API   ${runtime.restUrl}`,
    `  WebSocket  ${runtime.wsUrl}`,
    ...runtime.regions.slice(1).flatMap((r) => [`  ${r.region}    REST ${r.restUrl}  WebSocket ${r.wsUrl}`]),
    `  dashboard  ${runtime.restUrl.replace(/\/v1$/, '/')}`,
    `  health     ${runtime.restUrl}/health`,
    `  state      ${runtime.stateDir}`,
    `  events     ${runtime.eventsFile}`,
  ];
  if (runtime.operator.source === 'created') {
    lines.push(
      '',
      'Operator key (shown once; also saved to ' + runtime.operator.file + '):',
      `  ${runtime.operator.key}`,
    );
  } else if (runtime.operator.source === 'file') {
    lines.push(`  operator key: in ${runtime.operator.file}`);
  } else {
    lines.push('  operator key: HALT_OPERATOR_KEY');
  }
  lines.push('', 'Ctrl+C stops it; data stays in the state dir.');
  console.log(lines.join('\n'));
};

void main();
