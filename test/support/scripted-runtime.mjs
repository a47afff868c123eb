// A Runtime API client that behaves as SCRIPT says, for testing the local Runtime API itself: what
// aws-lambda-ric does in each case, plus the failures a real handler can cause.
import { request } from 'node:http';

const [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API ?? '').split(':');
const script = process.env.SCRIPT;

const call = (method, path, { headers = {}, body, trailers } = {}) =>
  new Promise((resolve, reject) => {
    const outgoing = request(
      { host, port, method, path: `/2018-06-01/runtime${path}`, headers },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    outgoing.on('error', reject);
    if (trailers) {
      outgoing.write(body);
      outgoing.addTrailers(trailers);
      outgoing.end();
    } else outgoing.end(body);
  });

const PRELUDE = 'application/vnd.awslambda.http-integration-response';

if (script === 'init-error') {
  await call('POST', '/init/error', {
    body: JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: 'no sharp' }),
  });
  process.exit(1);
}
for (;;) {
  const next = await call('GET', '/invocation/next');
  const id = next.headers['lambda-runtime-aws-request-id'];
  const respond = (options) => call('POST', `/invocation/${id}/response`, options);
  if (script === 'echo') {
    await respond({
      body: JSON.stringify({
        event: JSON.parse(next.body),
        headers: next.headers,
        pid: process.pid,
        now: Date.now(),
      }),
    });
  } else if (script === 'error') {
    await call('POST', `/invocation/${id}/error`, {
      headers: { 'lambda-runtime-function-error-type': 'MyError' },
      body: JSON.stringify({ errorType: 'MyError', errorMessage: 'boom', stackTrace: [] }),
    });
  } else if (script === 'stream') {
    await respond({
      headers: {
        'content-type': PRELUDE,
        'lambda-runtime-function-response-mode': 'streaming',
        'transfer-encoding': 'chunked',
      },
      body: Buffer.concat([
        Buffer.from(JSON.stringify({ statusCode: 418, headers: { 'x-tea': 'yes' } })),
        Buffer.alloc(8),
        Buffer.from('hello'),
      ]),
    });
  } else if (script === 'stream-fail') {
    await respond({
      headers: {
        'content-type': PRELUDE,
        'lambda-runtime-function-response-mode': 'streaming',
        'transfer-encoding': 'chunked',
        trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      },
      body: '',
      trailers: {
        'Lambda-Runtime-Function-Error-Type': 'Error',
        'Lambda-Runtime-Function-Error-Body': Buffer.from(
          JSON.stringify({ errorType: 'Error', errorMessage: 'mid-stream' }),
        ).toString('base64'),
      },
    });
  } else if (script === 'big') {
    await respond({ body: JSON.stringify({ statusCode: 200, body: 'x'.repeat(6 * 1024 * 1024) }) });
  } else if (script === 'exit') {
    console.log('about to crash');
    process.exit(3);
  } else if (script === 'hang') {
    // Busy forever: a timer keeps the process alive, as a handler waiting on a socket would.
    console.log(`pid ${process.pid}`);
    setInterval(() => undefined, 1000);
    await new Promise(() => undefined);
  }
}
