/** A Lambda `Context` for handlers invoked by the local runtime. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The account id every local ARN carries. */
export const LOCAL_ACCOUNT = '000000000000';

export const lambdaContext = (options: { functionName: string; region: string; timeoutMs?: number; memoryMb?: number }): Context => {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${LOCAL_ACCOUNT}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 256),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/**
 * A function as a gateway sees it: an invocation of an event, answered by a result. API
 * Gateway invokes the Lambda service; the `Context` is Lambda's to make (`invokeTimed`).
 */
export type Invoke<E, R> = (event: E) => Promise<R>;

/** What Lambda reports when an invocation runs past its function's timeout. */
export class InvocationTimeoutError extends Error {
  public constructor(functionName: string, timeoutMs: number) {
    super(`${functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'Sandbox.Timedout';
  }
}

/**
 * Run one invocation with a fresh context whose deadline is the function's timeout, and fail it
 * when the timeout passes, as Lambda does
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html). Lambda stops the
 * environment; locally the handler's promise is abandoned (its work may still finish), and the
 * caller sees the failure Lambda's caller would.
 */
export const invokeTimed = <T>(options: { functionName: string; region: string; timeoutMs: number; memoryMb?: number }, run: (context: Context) => Promise<T>): Promise<T> => {
  const context = lambdaContext(options);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new InvocationTimeoutError(options.functionName, options.timeoutMs)), options.timeoutMs);
  });
  return Promise.race([run(context), timedOut]).finally(() => clearTimeout(timer));
};
