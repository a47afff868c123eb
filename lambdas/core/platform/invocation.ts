import type { Context } from 'aws-lambda';

/**
 * The Lambda context a handler gets when something other than Lambda calls it (the local gateway,
 * the full-size upload server): its name, and the time it has left, which every route's deadline
 * is taken from (core/deadline.ts).
 */
export const invocationContext = (
  functionName: string,
  requestId: string,
  timeoutMs: number,
  memoryMB = 1024,
): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMB),
    awsRequestId: requestId,
    logGroupName: functionName,
    logStreamName: functionName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
