/**
 * A stand-in for the Lambda API, so the handlers call it through the real
 * `@aws-sdk/client-lambda` client: the reserved-concurrency calls of the hard stop (each
 * function's setting kept in memory, every call appended to a file that a test or an operator
 * can check) and asynchronous invocations (`InvocationType: Event`) of the functions the local
 * runtime registers (the push workers), with Lambda's 1 MB payload limit. A synchronous
 * invocation of a function at its reserved concurrency (0: the hard stop's brake) is throttled
 * as Lambda throttles it: 429 `TooManyRequestsException`, reason
 * `ReservedFunctionConcurrentInvocationLimitExceeded`
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html). Asynchronous
 * invocations are not throttled here: Lambda queues and retries those, and the only ones made
 * locally (the push workers') are never braked.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { closeServer, KEEP_ALIVE, listen, readBody } from './http-server';

export interface LambdaStandIn {
  readonly endpoint: string;
  /** Current reserved concurrency per function ARN (absent: none set). */
  readonly concurrency: ReadonlyMap<string, number>;
  /** Give a function a setting, as if it had one before Halt touched it. */
  preset(functionArn: string, value: number): void;
  /** Delete a function (fault tests): its concurrency calls answer 404 ResourceNotFoundException, as Lambda's do. */
  deleteFunction(functionArn: string): void;
  /**
   * Serve invocations of `functionName` (by name or ARN) with `run`: asynchronous ones
   * (`Event`) answer 202 at once; synchronous ones (`RequestResponse`) answer with what `run`
   * resolves to, or, when it throws, with Lambda's `X-Amz-Function-Error: Unhandled`.
   */
  register(functionName: string, run: (payload: unknown) => unknown): void;
  /** Asynchronous invocations accepted so far, by function name. */
  invocations(): Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

/** Lambda's limit for an asynchronous invocation's payload. */
const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;
/** And for a synchronous one's request (and response). */
const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** `my-fn`, `arn:aws:lambda:r:a:function:my-fn` and `…:my-fn:alias` name the same function. */
const functionNameOf = (nameOrArn: string): string => (nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? nameOrArn) : nameOrArn);

export const startLambdaStandIn = async (options: { callsFile: string; host?: string }): Promise<LambdaStandIn> => {
  const host = options.host ?? '127.0.0.1';
  const concurrency = new Map<string, number>();
  const functions = new Map<string, (payload: unknown) => unknown>();
  const invoked = new Map<string, number>();
  const running = new Map<string, number>();
  /** A function's reserved concurrency, set by name or by ARN (absent: none, the account's pool). */
  const reservedFor = (name: string): number | undefined => {
    let reserved: number | undefined;
    for (const [key, value] of concurrency) if (functionNameOf(key) === name) reserved = value;
    return reserved;
  };
  const deleted = new Set<string>();
  const record = (call: Record<string, unknown>) => appendFileSync(options.callsFile, `${JSON.stringify({ at: new Date().toISOString(), ...call })}\n`);
  const server = createServer(KEEP_ALIVE, (req, res) => {
    readBody(req)
      .then((raw) => {
        const text = raw.toString('utf8');
        const pathname = new URL(req.url ?? '/', `http://${host}`).pathname;
        const reply = (status: number, payload?: unknown, errorType = 'ResourceNotFoundException') => {
          res.writeHead(status, { 'content-type': 'application/json', ...(status >= 400 ? { 'x-amzn-errortype': errorType } : {}) });
          res.end(payload === undefined ? '' : JSON.stringify(payload));
        };
        const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(pathname);
        if (invocation?.[1] && req.method === 'POST') {
          const name = functionNameOf(decodeURIComponent(invocation[1]));
          const run = functions.get(name);
          if (!run) return reply(404, { message: `Function not found: ${name}` });
          const type = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
          if (type !== 'Event' && type !== 'RequestResponse') {
            return reply(400, { message: `InvocationType ${String(type)} is not stood in for (Event, RequestResponse)` }, 'InvalidParameterValueException');
          }
          const limit = type === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
          if (Buffer.byteLength(text, 'utf8') > limit) {
            return reply(413, { message: `payload over ${limit} bytes for an ${type === 'Event' ? 'asynchronous' : 'synchronous'} invocation` }, 'RequestTooLargeException');
          }
          if (type === 'RequestResponse') {
            const reserved = reservedFor(name);
            if (reserved !== undefined && (running.get(name) ?? 0) >= reserved) {
              record({ call: 'Invoke', functionName: name, throttled: true, reserved });
              return reply(429, { message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User' }, 'TooManyRequestsException');
            }
          }
          invoked.set(name, (invoked.get(name) ?? 0) + 1);
          if (type === 'Event') {
            Promise.resolve()
              .then(() => run(JSON.parse(text) as unknown))
              .catch(() => undefined);
            return reply(202);
          }
          running.set(name, (running.get(name) ?? 0) + 1);
          return Promise.resolve()
            .then(() => run(JSON.parse(text) as unknown))
            .finally(() => running.set(name, (running.get(name) ?? 1) - 1))
            .then(
              (result) => {
                res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
                res.end(result === undefined ? 'null' : JSON.stringify(result));
              },
              (error: unknown) => {
                const e = error instanceof Error ? error : new Error(String(error));
                res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' });
                res.end(JSON.stringify({ errorType: e.name, errorMessage: e.message }));
              },
            );
        }
        const match = /^\/(2017-10-31|2019-09-30)\/functions\/([^/]+)\/concurrency$/.exec(pathname);
        if (!match?.[2]) return reply(404, { message: 'only the reserved-concurrency calls are stood in for' });
        const fn = decodeURIComponent(match[2]);
        if (deleted.has(fn)) {
          record({ call: `${req.method ?? ''} concurrency`, functionArn: fn, error: 'ResourceNotFoundException' });
          return reply(404, { Type: 'User', message: `Function not found: ${fn}` });
        }
        if (req.method === 'GET') {
          const value = concurrency.get(fn);
          record({ call: 'GetFunctionConcurrency', functionArn: fn, value: value ?? null });
          return reply(200, value === undefined ? {} : { ReservedConcurrentExecutions: value });
        }
        if (req.method === 'PUT') {
          const value = (JSON.parse(text) as { ReservedConcurrentExecutions: number }).ReservedConcurrentExecutions;
          concurrency.set(fn, value);
          record({ call: 'PutFunctionConcurrency', functionArn: fn, value });
          return reply(200, { ReservedConcurrentExecutions: value });
        }
        if (req.method === 'DELETE') {
          concurrency.delete(fn);
          record({ call: 'DeleteFunctionConcurrency', functionArn: fn });
          return reply(204);
        }
        return reply(405, { message: `${req.method ?? ''} is not stood in for` });
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
  const port = await listen(server, 0, host);
  return {
    endpoint: `http://${host}:${port}`,
    concurrency,
    preset: (functionArn, value) => {
      concurrency.set(functionArn, value);
    },
    deleteFunction: (functionArn) => {
      deleted.add(functionArn);
      concurrency.delete(functionArn);
    },
    register: (functionName, run) => {
      functions.set(functionNameOf(functionName), run);
    },
    invocations: () => Object.fromEntries(invoked),
    stop: () => closeServer(server),
  };
};
