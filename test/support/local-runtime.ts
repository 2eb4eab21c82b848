/** Starts the real local runtime for an integration test: random ports, a temp state dir. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../../lambdas/domain/api-keys';
import { HaltAgent, type HaltAgentOptions } from '../../sdk/agent';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../infra/local/runtime';

export interface TestRuntime {
  runtime: LocalRuntime;
  stateDir: string;
  operatorKey: string;
  api: ApiClient;
  /** Stop, keeping the state dir (for restart tests). */
  stop(): Promise<void>;
  /** Stop and delete the state dir. */
  dispose(): Promise<void>;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type ApiClient = <T = any>(
  method: string,
  path: string,
  options?: { key?: string | null; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> },
) => Promise<ApiResponse<T>>;

export const apiClient = (baseUrl: string, defaultKey: string): ApiClient => async (method, path, options = {}) => {
  const key = options.key === undefined ? defaultKey : options.key;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as any, headers: response.headers };
};

export const startTestRuntime = async (
  options: Omit<LocalRuntimeOptions, 'port' | 'wsPort' | 'host'> & {
    /**
     * The test expects the local IAM to refuse calls. Otherwise stopping the runtime fails when
     * any function called what its stack policy does not allow.
     */
    expectAccessDenials?: boolean;
  } = {},
): Promise<TestRuntime> => {
  const { expectAccessDenials: _expected, ...runtimeOptions } = options;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'halt-test-'));
  const operatorKey = options.operatorKey ?? generateApiKey();
  // Random ports, a temp state dir, and quiet unless a test asks for logs.
  const runtime = await startLocalRuntime({ ...runtimeOptions, stateDir, port: 0, wsPort: 0, operatorKey, logLevel: options.logLevel ?? 'SILENT' });
  const baseUrl = runtime.restUrl.replace(/\/v1$/, '');
  /** A grant the stack lacks fails the suite, even where the handler swallowed the error. */
  const checkAccessDenials = () => {
    if (options.expectAccessDenials || runtime.accessDenials.length === 0) return;
    const lines = runtime.accessDenials.map((d) => `  ${d.functionId}: ${d.action} on ${d.resource}`);
    throw new Error(`the local IAM refused calls the stack does not grant:\n${[...new Set(lines)].join('\n')}`);
  };
  return {
    runtime,
    stateDir,
    operatorKey,
    api: apiClient(baseUrl, operatorKey),
    stop: async () => {
      await runtime.stop();
      checkAccessDenials();
    },
    dispose: async () => {
      await runtime.stop();
      rmSync(stateDir, { recursive: true, force: true });
      checkAccessDenials();
    },
  };
};

/**
 * A runtime for the whole test file: started before its first test, disposed after its last.
 * Read it inside tests (`const t = runtime()`), never at the top of the file.
 */
export const useTestRuntime = (options: Parameters<typeof startTestRuntime>[0] = {}): (() => TestRuntime) => {
  let t: TestRuntime | undefined;
  beforeAll(async () => {
    t = await startTestRuntime(options);
  });
  afterAll(async () => {
    await t?.dispose();
  });
  return () => {
    if (!t) throw new Error('the test runtime is not started: call it inside a test, not at the top of the file');
    return t;
  };
};

/**
 * An SDK agent pointed at one region of the test runtime (the first by default); the errors it
 * emits are collected for the test to check, never thrown. Not started.
 */
export const agentIn = (
  t: TestRuntime,
  options: Omit<HaltAgentOptions, 'url' | 'wsUrl'> & { regionIndex?: 0 | 1 },
): { agent: HaltAgent; errors: Error[] } => {
  const { regionIndex = 0, ...rest } = options;
  const region = t.runtime.regions[regionIndex];
  if (!region) throw new Error(`the test runtime has no region ${regionIndex}`);
  const agent = new HaltAgent({ url: region.restUrl, wsUrl: region.wsUrl, ...rest });
  const errors: Error[] = [];
  agent.on('error', (error: Error) => errors.push(error));
  return { agent, errors };
};

/** Wait until `check` returns a value (not undefined/false), polling; fails after `ceilingMs`. */
export const waitFor = async <T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: { ceilingMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> => {
  const deadline = Date.now() + (options.ceilingMs ?? 20_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
  throw new Error(`timed out waiting for ${options.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
};

/** The events the local EventBridge sink received, optionally of one detail type. */
export const readBusEvents = (eventsFile: string, detailType?: string): any[] =>
  existsSync(eventsFile)
    ? readFileSync(eventsFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((e) => detailType === undefined || e.detailType === detailType)
    : [];
