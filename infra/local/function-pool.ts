/**
 * Local Lambda environments: a few worker threads, each hosting the handlers of the push
 * worker and of the WebSocket message routes, as Lambda runs each function's invocations in
 * environments of their own. The gateways' event loop only moves bytes; the handlers' work
 * runs beside it, on the other core. Threads start on first use; one that dies is replaced on
 * the next invocation, and the invocations it held fail with an error that says so.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HaltConfig } from '../../lambdas/config/config';
import type { HostedFunction, Invocation, InvocationReply, ThreadData } from './function-thread';
import type { AccessDenial, LocalIamOptions } from './iam/local-iam';

export interface FunctionPool {
  /** Run one invocation on the least busy environment; resolves to the handler's result. */
  invoke(fn: HostedFunction, payload: unknown): Promise<unknown>;
  /** Start the environments now (they load the handlers' code: about a second). */
  warm(): Promise<void>;
  /** Resolves once every invocation accepted so far has finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly pending: Map<number, Pending>;
}

export const startFunctionPool = (options: {
  config: HaltConfig;
  /** Each hosted function runs with its stack policy, enforced in its thread. */
  iam: LocalIamOptions;
  /** Each hosted function's timeout. */
  timeoutsMs: ThreadData['timeoutsMs'];
  onAccessDenied?: (denial: AccessDenial) => void;
  threads?: number;
}): FunctionPool => {
  const size = options.threads ?? 2;
  const environments: Environment[] = [];
  let nextId = 0;
  let turn = 0;
  let stopped = false;
  const idleWaiters: (() => void)[] = [];
  const inFlight = () => environments.reduce((n, e) => n + e.pending.size, 0);
  const settle = () => {
    if (inFlight() > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const spawn = (): Environment => {
    // Its stderr is kept (the last lines), so an environment that dies says why.
    const worker = new Worker(join(__dirname, 'function-thread-entry.cjs'), { workerData: { config: options.config, iam: options.iam, timeoutsMs: options.timeoutsMs } satisfies ThreadData, env: process.env, stderr: true });
    let lastWords = '';
    worker.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      lastWords = (lastWords + chunk.toString('utf8')).slice(-2_000);
    });
    const pending = new Map<number, Pending>();
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const environment: Environment = { worker, ready, pending };
    worker.on('message', (message: InvocationReply | { ready: true } | { denied: AccessDenial }) => {
      if ('ready' in message) return markReady();
      if ('denied' in message) return options.onAccessDenied?.(message.denied);
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(message.error));
      else call?.resolve(message.result);
      settle();
    });
    const lose = (why: string) => {
      const index = environments.indexOf(environment);
      if (index >= 0) environments.splice(index, 1);
      markReady();
      for (const call of pending.values()) call.reject(new Error(`local Lambda environment ${why} during the invocation`));
      pending.clear();
      settle();
    };
    worker.on('error', (error) => lose(`failed (${error.message})`));
    worker.on('exit', (code) => lose(`exited with code ${code}${lastWords.trim() ? `: ${lastWords.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    environments.push(environment);
    return environment;
  };
  const fill = () => {
    while (environments.length < size) spawn();
  };

  return {
    invoke: (fn, payload) => {
      if (stopped) return Promise.reject(new Error('the local Lambda environments are stopped'));
      fill();
      const least = Math.min(...environments.map((e) => e.pending.size));
      const candidates = environments.filter((e) => e.pending.size === least);
      const environment = candidates[turn++ % candidates.length] as Environment;
      const id = nextId++;
      return new Promise<unknown>((resolve, reject) => {
        environment.pending.set(id, { resolve, reject });
        environment.worker.postMessage({ id, fn, payload } satisfies Invocation);
      });
    },
    warm: async () => {
      fill();
      await Promise.all(environments.map((e) => e.ready));
    },
    idle: () => (inFlight() === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    stop: async () => {
      stopped = true;
      // Let invocations in progress finish (a few seconds at most), as Lambda does on a deploy.
      const drained = inFlight() === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await Promise.all(environments.splice(0).map((e) => e.worker.terminate()));
      settle();
    },
  };
};
