import { connect } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIRECT_REQUEST_LIMIT_BYTES } from '#core/http/edge-contract';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { LARGE_UPLOADS_AT_ONCE, largeUploadsServed } from '../../lambdas/large-upload/server.ts';

/**
 * `POST /v1/upload` at the contract's full sizes through the full-size upload path
 * (docs/decisions/0001-full-size-uploads.md): the local runtime routes a body over Lambda's 4 MiB
 * there as the API's CloudFront Function does on AWS, and the same upload handler answers with the
 * body streamed. Cost: ~100 MB of PNGs sent over loopback and decoded, a few seconds.
 */
const MiB = 1024 ** 2;
let runtime: TestRuntime;
let key: string;
let teamId: string;

beforeAll(async () => {
  runtime = await startTestRuntime({}, { fullSizeUploads: true });
  ({ key, teamId } = await runtime.newKey());
});
afterAll(() => runtime?.stop());

/** A valid PNG of about `bytes` (stored, not compressed: the size is what the pixels take). */
const pngOfAbout = async (bytes: number): Promise<Buffer> => {
  const width = 4000;
  const height = Math.floor(bytes / (width * 3 + 1));
  return sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .png({ compressionLevel: 0, adaptiveFiltering: false })
    .toBuffer();
};

describe('full-size uploads', () => {
  it.each([
    ['5 MB', 5 * MiB, true],
    ['20 MB (the anonymous limit)', 19.8 * MiB, false],
    ['70 MB (the limit with a key)', 69.8 * MiB, true],
  ])(
    'stores a %s upload through the streamed path, answering as the Lambda path does',
    async (_, size, withKey) => {
      const file = await pngOfAbout(size);
      expect(file.length).toBeGreaterThan(DIRECT_REQUEST_LIMIT_BYTES);
      const served = largeUploadsServed.count;
      const response = await upload(runtime.url, {
        file,
        filename: 'big.png',
        type: 'image/png',
        fields: { caption: 'large' },
        ...(withKey && { key }),
      });
      const body = await json(response);
      expect(response.status, JSON.stringify(body)).toBe(201);
      expect(largeUploadsServed.count).toBe(served + 1);
      expect(body).toMatchObject({ filesize: file.length, width: 4000, caption: 'large' });
      expect(await runtime.objectKeys()).toContain(`originals/${String(body.id)}`);
      await runtime.expectCountersToMatchMedia();
    },
  );
});

describe('full-size uploads with an Idempotency-Key', () => {
  it('are answered once: a retry gets the first answer back, another body with the key is refused', async () => {
    const file = await pngOfAbout(5 * MiB);
    const headers = { 'idempotency-key': `large-${Date.now()}` };
    const served = largeUploadsServed.count;
    const objects = (await runtime.objectKeys()).length;
    const first = await upload(runtime.url, { file, key, headers, fields: { caption: 'once' } });
    const retry = await upload(runtime.url, { file, key, headers, fields: { caption: 'once' } });
    const [firstBody, retryBody] = [await json(first), await json(retry)];
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retryBody.id).toBe(firstBody.id);
    // Both took the streamed path; one upload was stored and counted.
    expect(largeUploadsServed.count).toBe(served + 2);
    expect((await runtime.objectKeys()).length).toBe(objects + 1);
    await runtime.expectCountersToMatchMedia();

    const other = await upload(runtime.url, { file, key, headers, fields: { caption: 'another' } });
    expect(other.status).toBe(422);
    expect(await json(other)).toMatchObject({ error: 'idempotency_key_reused' });
    expect((await runtime.objectKeys()).length).toBe(objects + 1);
  });
});

describe('full-size uploads from a browser on another origin', () => {
  it('carry the API’s CORS headers, as the Lambda path’s answers do (API Gateway never sees these)', async () => {
    const origin = { origin: 'https://app.example' };
    const large = await upload(runtime.url, { file: await pngOfAbout(5 * MiB), key, headers: origin });
    const small = await upload(runtime.url, { file: await pngOfAbout(64 * 1024), key, headers: origin });
    expect([large.status, small.status]).toEqual([201, 201]);
    for (const name of ['access-control-allow-origin', 'access-control-expose-headers']) {
      expect(large.headers.get(name), name).toBe(small.headers.get(name));
    }
    expect(large.headers.get('access-control-allow-origin')).toBe('*');
    await runtime.expectCountersToMatchMedia();
  });
});

describe('full-size uploads refuse hostile bodies without storing anything', () => {
  let before: { objects: string[]; media: unknown[]; team: unknown };
  beforeEach(async () => {
    before = {
      objects: await runtime.objectKeys(),
      media: await runtime.mediaItems(),
      team: await runtime.admin.showTeam(teamId),
    };
  });
  const expectNothingStored = async () => {
    expect(await runtime.objectKeys()).toEqual(before.objects);
    expect(await runtime.mediaItems()).toEqual(before.media);
    expect(await runtime.admin.showTeam(teamId)).toEqual(before.team);
    await runtime.expectCountersToMatchMedia();
  };

  /** One raw HTTP exchange: what the server answered (if anything) once the connection closed. */
  const raw = (head: string, body: Buffer, { endEarly = false } = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(runtime.url).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer));
      socket.setTimeout(30_000, () => reject(new Error('no answer')));
      socket.write(head);
      socket.write(body);
      // A client that stops early: the rest of its declared body never comes.
      if (endEarly) socket.end();
      else setTimeout(() => socket.end(), 2_000);
    });

  const multipart = (file: Buffer, boundary = 'x-boundary', close = true) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      file,
      Buffer.from(close ? `\r\n--${boundary}--\r\n` : ''),
    ]);
  const head = (length: number, extra = '') =>
    `POST /v1/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x-boundary\r\n` +
    `Content-Length: ${length}\r\nAuthorization: Bearer ${key}\r\n${extra}\r\n`;

  // With an Idempotency-Key the body is read in full before the work: the same refusals apply.
  const KEYED = [
    ['', ''],
    [', with an Idempotency-Key', 'Idempotency-Key: hostile-1\r\n'],
  ];

  it.each(KEYED)(
    'a Content-Length larger than the body sent (the client stops early)%s',
    async (_, extra) => {
      const body = multipart(await pngOfAbout(6 * MiB));
      const served = largeUploadsServed.count;
      await raw(head(body.length + 2 * MiB, extra), body, { endEarly: true });
      expect(largeUploadsServed.count).toBe(served + 1);
      await expectNothingStored();
    },
  );

  it('a Content-Length smaller than the body (the form is cut off where it says it ends)', async () => {
    const body = multipart(await pngOfAbout(6 * MiB));
    const answer = await raw(head(body.length - MiB), body);
    // The form ends without its closing boundary (422), unless Node's parser, reading the bytes past
    // the declared length as a next request, refuses those first (400) and closes the connection.
    expect(answer).toMatch(/^HTTP\/1\.1 4(22|00) /);
    await expectNothingStored();
  });

  it('a truncated form (no closing boundary)', async () => {
    const body = multipart(await pngOfAbout(6 * MiB), 'x-boundary', false);
    const answer = await raw(head(body.length), body);
    expect(answer).toMatch(/^HTTP\/1\.1 422/);
    await expectNothingStored();
  });

  it.each(KEYED)('no key, over the anonymous limit%s', async (_, extra) => {
    const headers: Record<string, string> = extra ? { 'idempotency-key': 'anonymous-1' } : {};
    const response = await upload(runtime.url, {
      file: await pngOfAbout(21 * MiB),
      type: 'image/png',
      headers,
    });
    const body = await json(response);
    expect(response.status, JSON.stringify(body)).toBe(422);
    expect(body).toMatchObject({
      error: 'validation_error',
      errors: { file: [expect.stringContaining('20 MB')] },
    });
    await expectNothingStored();
  });

  it('a wrong key, before the body is read', async () => {
    const response = await upload(runtime.url, {
      file: await pngOfAbout(6 * MiB),
      type: 'image/png',
      key: 'imgpro_nope_nope',
    });
    expect(response.status).toBe(401);
    expect(await json(response)).toMatchObject({ error: 'unauthorized' });
    await expectNothingStored();
  });

  it.each(KEYED)('over the plan’s limit, declared: refused before the body is read%s', async (_, extra) => {
    const declared = 75 * MiB;
    const answer = await raw(head(declared, extra), Buffer.alloc(MiB, 1));
    expect(answer).toMatch(/^HTTP\/1\.1 422/);
    expect(answer).toContain('70 MB');
    await expectNothingStored();
  });

  it('no key, over the anonymous limit declared, with an Idempotency-Key: refused before the body is read', async () => {
    const anonymousHead =
      `POST /v1/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x-boundary\r\n` +
      `Content-Length: ${25 * MiB}\r\nIdempotency-Key: anonymous-2\r\n\r\n`;
    const answer = await raw(anonymousHead, Buffer.alloc(MiB, 1));
    expect(answer).toMatch(/^HTTP\/1\.1 422/);
    expect(answer).toContain('20 MB');
    await expectNothingStored();
  });

  it.each(KEYED)(
    'over the plan’s limit, chunked (no length to judge): refused once counted%s',
    async (_, extra) => {
      const chunked = (data: Buffer) =>
        Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
      const head =
        `POST /v1/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x-boundary\r\n` +
        `Transfer-Encoding: chunked\r\nAuthorization: Bearer ${key}\r\n${extra}\r\n`;
      const file = await pngOfAbout(72 * MiB);
      const answer = await raw(head, chunked(multipart(file)));
      expect(answer).toMatch(/^HTTP\/1\.1 422/);
      await expectNothingStored();
    },
  );

  it('more large uploads at once than the server holds: 503 with Retry-After, the others unharmed', async () => {
    const port = Number(new URL(runtime.url).port);
    const served = largeUploadsServed.count;
    // Uploads that hold their slots: headers and a first part sent, the rest still to come.
    const holding = Array.from({ length: LARGE_UPLOADS_AT_ONCE }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(head(8 * MiB));
      socket.write(Buffer.alloc(64 * 1024, 1));
      return socket;
    });
    try {
      await expect
        .poll(() => largeUploadsServed.count, { timeout: 10_000 })
        .toBe(served + LARGE_UPLOADS_AT_ONCE);
      const response = await upload(runtime.url, { file: await pngOfAbout(5 * MiB), type: 'image/png', key });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await json(response)).toMatchObject({ error: 'upload_failed', request_id: expect.any(String) });
    } finally {
      for (const socket of holding) socket.destroy();
    }
    await expectNothingStored();
  });
});
