/** A Lambda `Context` for handlers invoked by the local runtime. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export const lambdaContext = (options: { functionName: string; region: string; timeoutMs?: number }): Context => {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:000000000000:function:${options.functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
