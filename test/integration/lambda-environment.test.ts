import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExecutionEnvironment } from '#local/lambda/environment';
import { apiGatewayResponse, functionUrlResponse } from '#local/lambda/integrations';

/**
 * The local Runtime API an execution environment serves, driven by a scripted client (what
 * aws-lambda-ric does, and what a failing handler makes it do). The real client runs against it in
 * `npm run test:deploy`; the failures are tested here, where they can be made on purpose.
 */
const started: ExecutionEnvironment[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((environment) => environment.stop()));
});

const environment = async (script: string, timeoutSeconds = 5) => {
  const lines: string[] = [];
  const started_ = await ExecutionEnvironment.start({
    name: 'ScriptedFunction',
    node: { command: process.execPath, args: [] },
    ric: join(import.meta.dirname, '..', 'support', 'scripted-runtime.mjs'),
    taskRoot: import.meta.dirname,
    environment: { SCRIPT: script, AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'ScriptedFunction' },
    timeoutSeconds,
    onLog: (line) => lines.push(line),
  });
  started.push(started_);
  return { environment: started_, lines };
};

const payloadOf = (outcome: Awaited<ReturnType<ExecutionEnvironment['invoke']>>) => {
  if (outcome.type !== 'response') throw new Error(`expected a response, got ${JSON.stringify(outcome)}`);
  return JSON.parse(outcome.payload.toString()) as {
    event: unknown;
    headers: Record<string, string>;
    pid: number;
    now: number;
  };
};

describe('the local Runtime API', () => {
  it('hands out each event with its request id, deadline and function, one at a time, in one warm process', async () => {
    const { environment: env } = await environment('echo', 7);
    const first = payloadOf(await env.invoke({ n: 1 }));
    const second = payloadOf(await env.invoke({ n: 2 }));
    expect([first.event, second.event]).toEqual([{ n: 1 }, { n: 2 }]);
    expect(second.pid).toBe(first.pid);
    expect(first.headers['lambda-runtime-aws-request-id']).not.toBe(
      second.headers['lambda-runtime-aws-request-id'],
    );
    const deadline = Number(first.headers['lambda-runtime-deadline-ms']) - first.now;
    expect(deadline).toBeGreaterThan(6_000);
    expect(deadline).toBeLessThanOrEqual(7_000);
    expect(first.headers['lambda-runtime-invoked-function-arn']).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:ScriptedFunction',
    );
    expect(env.initMs).toBeGreaterThan(0);
    const third = env.invoke({ n: 3 });
    expect(() => env.invoke({ n: 4 })).toThrow(/one invocation at a time/);
    expect(payloadOf(await third).event).toEqual({ n: 3 });
  });

  it('reports a function error, and API Gateway makes it a generic 500', async () => {
    const { environment: env } = await environment('error');
    const outcome = await env.invoke({});
    expect(outcome).toEqual({ type: 'error', error: { errorType: 'MyError', errorMessage: 'boom' } });
    expect(apiGatewayResponse(outcome)).toMatchObject({
      statusCode: 500,
      body: '{"message":"Internal Server Error"}',
    });
    expect(env.alive).toBe(true);
  });

  it('takes a streamed response whose prelude a function URL turns into status and headers', async () => {
    const { environment: env } = await environment('stream');
    const response = functionUrlResponse(await env.invoke({}));
    expect(response).toMatchObject({ statusCode: 418, headers: { 'x-tea': 'yes' }, isBase64Encoded: true });
    expect(Buffer.from(response.body ?? '', 'base64').toString()).toBe('hello');
  });

  it('reads a failure from the stream’s trailers: nothing streamed is a 502', async () => {
    const { environment: env } = await environment('stream-fail');
    const outcome = await env.invoke({});
    expect(outcome).toMatchObject({
      type: 'stream',
      error: { errorType: 'Error', errorMessage: 'mid-stream' },
    });
    expect(functionUrlResponse(outcome).statusCode).toBe(502);
  });

  it('refuses a buffered response over 6 MB, as Lambda does', async () => {
    const { environment: env } = await environment('big');
    expect(await env.invoke({})).toMatchObject({
      type: 'error',
      error: { errorType: 'Function.ResponseSizeTooLarge' },
    });
  });

  it('fails the invocation when the handler cannot load, and the environment with it', async () => {
    const { environment: env } = await environment('init-error');
    expect(await env.invoke({})).toMatchObject({
      type: 'error',
      error: { errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining('no sharp') },
    });
    expect(env.alive).toBe(false);
  });

  it('fails the invocation when the runtime exits, with the lines it printed last', async () => {
    const { environment: env } = await environment('exit');
    expect(await env.invoke({})).toMatchObject({
      type: 'error',
      error: { errorType: 'Runtime.ExitError', errorMessage: expect.stringContaining('about to crash') },
    });
    expect(env.alive).toBe(false);
  });

  it('kills an invocation past its deadline, and the process with it', async () => {
    const { environment: env, lines } = await environment('hang', 1);
    const before = Date.now();
    expect(await env.invoke({})).toMatchObject({
      type: 'error',
      error: { errorType: 'Sandbox.Timedout', errorMessage: expect.stringContaining('1.00 seconds') },
    });
    expect(Date.now() - before).toBeGreaterThanOrEqual(1_000);
    expect(env.alive).toBe(false);
    const pid = Number(lines.find((line) => line.startsWith('pid '))?.slice(4));
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(/ESRCH/));
  });
});

describe('API Gateway’s reading of a result', () => {
  it('takes a result with statusCode as the response, and any other JSON as a 200 JSON body', () => {
    const response = (value: unknown) =>
      apiGatewayResponse({ type: 'response', payload: Buffer.from(JSON.stringify(value)) });
    expect(response({ statusCode: 204, headers: { a: 'b' } })).toEqual({
      statusCode: 204,
      headers: { a: 'b' },
    });
    expect(response(['x'])).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '["x"]',
    });
    expect(apiGatewayResponse({ type: 'response', payload: Buffer.from('not json') }).statusCode).toBe(500);
  });
});
