/**
 * How many invocations of a local function run at once, and when their timeout starts.
 *
 * Lambda runs each invocation in an environment of its own and starts its timeout when the
 * invocation starts (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 * Locally one event loop serves many invocations at once; without a limit, 10,000
 * `$disconnect`s at once all start together, queue on the SDK client's 50 sockets, and the last
 * ones pass 30 s before they ever reach the table. So invocations beyond `max` wait their
 * turn, and the handler's `Context` (its deadline) is made when its turn comes.
 */
import type { Context } from 'aws-lambda';
import { invokeTimed } from './lambda-context';

/** About what one SDK client has sockets for (50): an invocation's time is its own work. */
export const LOCAL_INVOCATIONS_AT_ONCE = 64;

export interface InvocationLimit {
  /** Run `invoke` with a fresh context once fewer than `max` run; resolves to its result. */
  run<T>(invoke: (context: Context) => Promise<T>): Promise<T>;
}

export const invocationLimit = (options: {
  functionName: string;
  region: string;
  /** The function's configured timeout: an invocation past it fails. @default 30000 */
  timeoutMs?: number;
  max?: number;
}): InvocationLimit => {
  const max = options.max ?? LOCAL_INVOCATIONS_AT_ONCE;
  const waiting: (() => void)[] = [];
  let running = 0;
  return {
    run: async (invoke) => {
      if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await invokeTimed({ functionName: options.functionName, region: options.region, timeoutMs: options.timeoutMs ?? 30_000 }, invoke);
      } finally {
        running--;
        waiting.shift()?.();
      }
    },
  };
};
