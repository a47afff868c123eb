import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnOwned, terminate } from '../processes.ts';

/**
 * One Lambda execution environment: a process running AWS's runtime interface client, which loads
 * the function's handler and asks this environment's Runtime API for work, one invocation at a time
 * (`GET /runtime/invocation/next`, then `POST …/response` or `…/error`; `…/init/error` when the
 * handler cannot be loaded). A streamed response is a chunked POST in `streaming` mode whose
 * failure, if any, arrives in HTTP trailers. An invocation past its deadline kills the process, as
 * Lambda does, and the environment is not reused.
 */

export interface LambdaError {
  errorType: string;
  errorMessage: string;
}

/** What an invocation produced, as the service that invoked it sees it. */
export type InvokeOutcome =
  | { type: 'response'; payload: Buffer }
  | { type: 'stream'; contentType: string; body: Buffer; error: LambdaError | undefined }
  | { type: 'error'; error: LambdaError };

export interface EnvironmentOptions {
  /** What Lambda shows the function: its name, for messages. */
  name: string;
  /** How to start Node.js: a command and the arguments before the script. */
  node: { command: string; args: readonly string[] };
  /** The runtime interface client's entry script. */
  ric: string;
  taskRoot: string;
  /** The function's environment, Lambda's own variables included (`AWS_LAMBDA_RUNTIME_API` is added here). */
  environment: Record<string, string>;
  timeoutSeconds: number;
  /** Every line the function prints (its logs). */
  onLog: (line: string) => void;
}

/** Lambda's limit on a buffered response. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
const API = '/2018-06-01/runtime';

interface Invocation {
  requestId: string;
  event: string;
  resolve: (outcome: InvokeOutcome) => void;
  deadline?: NodeJS.Timeout;
}

export class ExecutionEnvironment {
  /** Milliseconds from start to the first request for work (the cold start), once known. */
  initMs: number | undefined;
  private readonly started = Date.now();
  private readonly server = createServer((request, response) => this.route(request, response));
  private child: ReturnType<typeof spawnOwned> | undefined;
  /** The runtime's `next` request, held until there is an invocation. */
  private waiting: ServerResponse | undefined;
  private queued: Invocation | undefined;
  private current: Invocation | undefined;
  private ended: LambdaError | undefined;
  private readonly recent: string[] = [];

  private constructor(private readonly options: EnvironmentOptions) {}

  static async start(options: EnvironmentOptions): Promise<ExecutionEnvironment> {
    const environment = new ExecutionEnvironment(options);
    await new Promise<void>((resolve) => environment.server.listen(0, '127.0.0.1', resolve));
    environment.spawn();
    return environment;
  }

  /** Whether it can take another invocation now. */
  get idle(): boolean {
    return !this.ended && !this.queued && !this.current;
  }

  get alive(): boolean {
    return !this.ended;
  }

  invoke(event: unknown): Promise<InvokeOutcome> {
    if (!this.idle) throw new Error(`${this.options.name}: an environment takes one invocation at a time`);
    return new Promise((resolve) => {
      this.queued = { requestId: randomUUID(), event: JSON.stringify(event), resolve };
      if (this.waiting) this.handOut(this.waiting);
    });
  }

  async stop(): Promise<void> {
    this.end({ errorType: 'Runtime.Stopped', errorMessage: 'The environment was stopped.' });
    if (this.child) await terminate(this.child, 0);
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private spawn() {
    const { node, ric, taskRoot, environment } = this.options;
    const { port } = this.server.address() as AddressInfo;
    const child = spawnOwned(node.command, [...node.args, ric], {
      cwd: taskRoot,
      // Nothing of this process's environment leaks in: only what Lambda would set.
      env: { ...environment, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.log(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) =>
      this.end({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: error.message }),
    );
    child.once('exit', (code, signal) => {
      if (partial) this.log(partial);
      this.end({
        errorType: 'Runtime.ExitError',
        errorMessage: `${this.options.name}: the runtime exited (${signal ?? `status ${code}`}).${this.lastLines()}`,
      });
    });
  }

  private log(line: string) {
    this.recent.push(line);
    if (this.recent.length > 20) this.recent.shift();
    this.options.onLog(line);
  }

  private lastLines() {
    return this.recent.length > 0 ? `\nIts last lines:\n${this.recent.join('\n')}` : '';
  }

  /** Ends every invocation in flight with `error`; the environment takes no more. */
  private end(error: LambdaError) {
    if (this.ended) return;
    this.ended = error;
    for (const invocation of [this.current, this.queued]) this.settle(invocation, { type: 'error', error });
    this.current = undefined;
    this.queued = undefined;
    this.waiting?.destroy();
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL');
  }

  private settle(invocation: Invocation | undefined, outcome: InvokeOutcome) {
    if (!invocation) return;
    clearTimeout(invocation.deadline);
    invocation.resolve(outcome);
    if (invocation === this.current) this.current = undefined;
  }

  private handOut(response: ServerResponse) {
    const invocation = this.queued;
    if (!invocation) return;
    this.waiting = undefined;
    this.queued = undefined;
    this.current = invocation;
    const timeoutMs = this.options.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    invocation.deadline = setTimeout(
      () =>
        this.end({
          errorType: 'Sandbox.Timedout',
          errorMessage: `${this.options.name}: Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`,
        }),
      timeoutMs,
    );
    response.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': invocation.requestId,
      'lambda-runtime-deadline-ms': String(deadline),
      'lambda-runtime-invoked-function-arn': `arn:aws:lambda:${this.options.environment.AWS_REGION}:000000000000:function:${this.options.environment.AWS_LAMBDA_FUNCTION_NAME}`,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(deadline / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    response.end(invocation.event);
  }

  private route(request: IncomingMessage, response: ServerResponse) {
    const url = request.url ?? '';
    if (request.method === 'GET' && url === `${API}/invocation/next`) {
      this.initMs ??= Date.now() - this.started;
      this.waiting = response;
      if (this.queued) this.handOut(response);
      return;
    }
    const invocationPath = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (request.method === 'POST' && invocationPath) {
      const [, requestId = '', kind] = invocationPath;
      const invocation = this.current;
      if (!invocation || decodeURIComponent(requestId) !== invocation.requestId) {
        request.resume();
        return answer(response, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
      }
      if (kind === 'error') return this.receiveError(request, response, invocation);
      if (request.headers['lambda-runtime-function-response-mode'] === 'streaming')
        return this.receiveStream(request, response, invocation);
      return this.receiveResponse(request, response, invocation);
    }
    if (request.method === 'POST' && url === `${API}/init/error`) {
      return readAll(request).then((body) => {
        answer(response, 202, { status: 'OK' });
        const error = errorOf(body, request);
        this.end({ ...error, errorMessage: `${error.errorMessage}${this.lastLines()}` });
      });
    }
    request.resume();
    answer(response, 404, { errorType: 'NotFound', errorMessage: `${request.method} ${url}` });
  }

  private async receiveResponse(request: IncomingMessage, response: ServerResponse, invocation: Invocation) {
    const payload = await readAll(request);
    if (payload.length > MAX_RESPONSE_BYTES) {
      answer(response, 413, {
        errorType: 'RequestEntityTooLarge',
        errorMessage: 'Response payload too large',
      });
      return this.settle(invocation, {
        type: 'error',
        error: {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size (${payload.length} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        },
      });
    }
    answer(response, 202, { status: 'OK' });
    this.settle(invocation, { type: 'response', payload });
  }

  private async receiveError(request: IncomingMessage, response: ServerResponse, invocation: Invocation) {
    const body = await readAll(request);
    answer(response, 202, { status: 'OK' });
    this.settle(invocation, { type: 'error', error: errorOf(body, request) });
  }

  private async receiveStream(request: IncomingMessage, response: ServerResponse, invocation: Invocation) {
    const body = await readAll(request);
    // A handler that failed after it started streaming says so in the trailers.
    const errorType = request.trailers['lambda-runtime-function-error-type'];
    const errorBody = request.trailers['lambda-runtime-function-error-body'];
    answer(response, 202, { status: 'OK' });
    this.settle(invocation, {
      type: 'stream',
      contentType: request.headers['content-type'] ?? 'application/octet-stream',
      body,
      error: errorType
        ? {
            errorType,
            errorMessage: errorBody
              ? errorOf(Buffer.from(errorBody, 'base64'), request).errorMessage
              : 'the stream failed',
          }
        : undefined,
    });
  }
}

const readAll = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};

const errorOf = (body: Buffer, request: IncomingMessage): LambdaError => {
  const header = request.headers['lambda-runtime-function-error-type'];
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Partial<LambdaError>;
    return {
      errorType: parsed.errorType ?? String(header ?? 'Unknown'),
      errorMessage: parsed.errorMessage ?? '',
    };
  } catch {
    return { errorType: String(header ?? 'Unknown'), errorMessage: body.toString('utf8') };
  }
};

const answer = (response: ServerResponse, status: number, body: object) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};
