import { Writable } from 'node:stream';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '#core/compose/storage';
import { splitImage } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * The AWS origin entry (a function URL in RESPONSE_STREAM mode) against the same backends as the
 * local runtime, with the two runtime globals Lambda provides stood in for: it must answer exactly
 * what the buffered entry answers over HTTP.
 */
interface Captured {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

let runtime: TestRuntime;
let key: string;
let streamHandler: (event: APIGatewayProxyEventV2, context: Context) => Promise<void>;
/** What the stand-in response stream received. */
const last: { captured?: Captured | undefined } = {};
/** When the answer ended, a variant was written and the invocation ended, in order. */
const events: string[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ key } = await runtime.newKey());
  const chunks: Buffer[] = [];
  Object.assign(globalThis, {
    awslambda: {
      streamifyResponse:
        (handler: (event: unknown, stream: Writable, context: unknown) => Promise<void>) =>
        async (event: unknown, context: unknown) => {
          chunks.length = 0;
          const sink = new Writable({
            write(chunk: Buffer, _encoding, done) {
              chunks.push(Buffer.from(chunk));
              done();
            },
          });
          sink.on('finish', () => events.push('answer ended'));
          await handler(event, sink, context);
          events.push('invocation ended');
          if (last.captured) last.captured.body = Buffer.concat(chunks);
        },
      HttpResponseStream: {
        // As the runtime does: the metadata goes out just before the first write, so a stream that is
        // never written to carries no status and no headers at all.
        from: (stream: Writable, metadata: Omit<Captured, 'body'>) => {
          const write = stream.write.bind(stream);
          let sent = false;
          stream.write = ((...args: Parameters<Writable['write']>) => {
            if (!sent) last.captured = { ...metadata, body: Buffer.alloc(0) };
            sent = true;
            return write(...args);
          }) as Writable['write'];
          return stream;
        },
      },
    },
  });
  ({ handler: streamHandler } = (await import('../../lambdas/viewer/stream.ts')) as unknown as {
    handler: typeof streamHandler;
  });
  // The client the viewer writes stored variants with: each finished write is told.
  s3Client().middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { Key?: string };
      if (context.commandName === 'PutObjectCommand' && input.Key?.startsWith('variants/'))
        events.push('variant written');
      return result;
    },
    { step: 'initialize', name: 'toldOfVariantWrites' },
  );
});
afterAll(() => runtime?.stop());

const received = (): Captured | undefined => last.captured;

const invoke = async (
  method: string,
  rawPath: string,
  rawQueryString: string,
  headers: Record<string, string> = {},
): Promise<Captured> => {
  last.captured = undefined;
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: { http: { method, path: rawPath, sourceIp: '127.0.0.1' }, requestId: 'stream-test' },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  await streamHandler(event, { awsRequestId: 'stream-test' } as Context);
  const result = received();
  if (!result) throw new Error('nothing was streamed');
  return result;
};

describe('the streaming origin (stream.ts)', () => {
  it('streams the same status, headers and bytes as the buffered entry', async () => {
    const created = await json(
      await upload(runtime.url, { file: await splitImage(60, 40).png().toBuffer(), key }),
    );
    const overHttp = await fetch(`${runtime.url}/${created.id}?format=webp&w=30`);
    const streamed = await invoke('GET', `/${created.id}`, 'w=30&format=webp', { accept: '*/*' });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers).toMatchObject({
      'content-type': 'image/webp',
      etag: overHttp.headers.get('etag'),
      'cache-control': overHttp.headers.get('cache-control'),
    });
    expect(streamed.body.equals(Buffer.from(await overHttp.arrayBuffer()))).toBe(true);
    expect(streamed.headers['content-length']).toBe(String(streamed.body.length));
  });

  it('stores a rendered variant after the answer, before the invocation returns', async () => {
    const created = await json(
      await upload(runtime.url, { file: await splitImage(60, 40).png().toBuffer(), key }),
    );
    events.length = 0;
    const streamed = await invoke('GET', `/${created.id}`, 'w=20&format=webp', { accept: '*/*' });
    expect(streamed.statusCode).toBe(200);
    expect(events).toEqual(['answer ended', 'variant written', 'invocation ended']);
    // Nothing but the answer's own metadata goes out ahead of the body.
    expect(Object.keys(JSON.parse(JSON.stringify(streamed)))).toEqual(['statusCode', 'headers', 'body']);
    const stored = (await runtime.objectKeys()).filter((name) => name.startsWith(`variants/${created.id}/`));
    expect(stored).toHaveLength(1);
  });

  it('streams 304, HEAD and 404 without a body where there is none', async () => {
    const created = await json(
      await upload(runtime.url, { file: await splitImage(20, 10).png().toBuffer(), key }),
    );
    const first = await invoke('GET', `/${created.id}`, '');
    const etag = first.headers.etag ?? '';
    expect((await invoke('GET', `/${created.id}`, '', { 'if-none-match': etag })).statusCode).toBe(304);
    const head = await invoke('HEAD', `/${created.id}`, '');
    expect(head).toMatchObject({ statusCode: 200, body: Buffer.alloc(0) });
    const missing = await invoke('GET', '/AAAAAAAAAAAAAA', '');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control']).toBe('public, max-age=60');
    expect(JSON.parse(missing.body.toString())).toMatchObject({
      error: 'not_found',
      request_id: 'stream-test',
    });
  });
});
