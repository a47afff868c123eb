import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { animation, jpeg, jpegClaiming, png, pngClaiming } from '#test/fixtures';
import { json, post, type UploadInput, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

const run = promisify(execFile);
let runtime: TestRuntime;
let key: string;
let teamId: string;
let team: Awaited<ReturnType<TestRuntime['admin']['showTeam']>>;

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ key, teamId } = await runtime.newKey());
});
afterAll(() => runtime?.stop());
beforeEach(async () => {
  team = await runtime.admin.showTeam(teamId);
});

/** The response is the documented 422 naming `field`, and nothing was stored or counted. */
const expectRejected = async (response: Response, field: string) => {
  const body = await json(response);
  expect(response.status, JSON.stringify(body)).toBe(422);
  expect(body).toMatchObject({ error: 'validation_error', message: expect.any(String) });
  expect(Object.keys(body.errors as object)).toContain(field);
  expect((body.errors as Record<string, unknown>)[field]).toEqual([expect.any(String)]);
  expect(await runtime.mediaItems()).toEqual([]);
  expect(await runtime.objectKeys()).toEqual([]);
  expect(await runtime.admin.showTeam(teamId)).toEqual(team);
};

const withKey = (input: UploadInput): UploadInput => ({ ...input, key });

describe('POST /v1/upload refuses bad files', () => {
  it('without a file', async () => {
    await expectRejected(await upload(runtime.url, withKey({ fields: { caption: 'no file' } })), 'file');
  });

  it('with an empty file', async () => {
    await expectRejected(await upload(runtime.url, withKey({ file: new Uint8Array(0) })), 'file');
  });

  it.each([
    ['plain text', Buffer.from('hello, this is not an image')],
    ['HTML named .png', Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>')],
    ['a PDF', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF')],
    ['a TIFF', Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00])],
  ])('that is %s', async (_, file) => {
    await expectRejected(
      await upload(runtime.url, withKey({ file, filename: 'x.png', type: 'image/png' })),
      'file',
    );
  });

  it('that is a truncated JPEG', async () => {
    const whole = await jpeg(400, 300);
    await expectRejected(
      await upload(runtime.url, withKey({ file: whole.subarray(0, whole.length / 2) })),
      'file',
    );
  });

  it('that is a JPEG claiming 7000×7000 with the scan data of 256×256', async () => {
    await expectRejected(
      await upload(runtime.url, withKey({ file: await jpegClaiming(7000, 7000) })),
      'file',
    );
  });

  it('that is a GIF cut at 60%', async () => {
    const whole = await animation('gif', 120, 120, 12);
    await expectRejected(
      await upload(runtime.url, withKey({ file: whole.subarray(0, Math.floor(whole.length * 0.6)) })),
      'file',
    );
  });

  it('that is corrupt behind a valid header', async () => {
    const whole = Buffer.from(await png(200, 200));
    whole.fill(0x55, 60, whole.length - 20);
    await expectRejected(await upload(runtime.url, withKey({ file: whole })), 'file');
  });

  it('that is a decompression bomb (a tiny PNG declaring 100000×100000)', async () => {
    const bomb = pngClaiming(100_000, 100_000);
    expect(bomb.length).toBeLessThan(1_200);
    await expectRejected(await upload(runtime.url, withKey({ file: bomb })), 'file');
  });

  it('over the anonymous 20 MB limit', async () => {
    const file = Buffer.concat([await jpeg(), Buffer.alloc(20 * 1024 ** 2)]);
    const response = await upload(runtime.url, { file });
    await expectRejected(response, 'file');
  });

  it('over the authenticated 70 MB limit', async () => {
    const file = Buffer.concat([await jpeg(), Buffer.alloc(70 * 1024 ** 2)]);
    await expectRejected(await upload(runtime.url, withKey({ file })), 'file');
  });
});

describe('POST /v1/upload refuses bad fields', () => {
  const rejectsField = async (fields: Record<string, string>, field: string) =>
    expectRejected(await upload(runtime.url, withKey({ file: await jpeg(), fields })), field);

  it.each([['299'], ['4m'], ['91d'], ['13w'], ['forever'], ['-5'], ['1.5h'], ['']])('ttl %j', async (ttl) => {
    await rejectsField({ ttl }, 'ttl');
  });

  it('a caption over 2,000 characters', async () => {
    await rejectsField({ caption: 'c'.repeat(2_001) }, 'caption');
  });

  it('a value over 1,000 characters', async () => {
    await rejectsField({ author: 'a'.repeat(1_001) }, 'author');
  });

  it('more than 20 attribution fields', async () => {
    const fields = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`field${i}`, 'x']));
    await rejectsField(fields, 'metadata');
  });

  it.each([['1abc'], ['has-dash'], ['a'.repeat(65)], ['_private'], ['émoji']])(
    'a field named %j',
    async (name) => {
      await rejectsField({ [name]: 'x' }, name);
    },
  );

  it.each([
    ['id'],
    ['link'],
    ['width'],
    ['height'],
    ['filesize'],
    ['created_at'],
    ['extension'],
    ['expires_at'],
    ['upgrade'],
  ])('the reserved name %j', async (name) => {
    await rejectsField({ [name]: 'x' }, name);
  });

  it.each([['constructor'], ['toString'], ['hasOwnProperty']])('the prototype name %j', async (name) => {
    await rejectsField({ [name]: 'x' }, name);
  });

  it('a __proto__ field', async () => {
    const boundary = 'b0undary';
    const file = await jpeg();
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\n{"polluted":true}\r\n`,
      ),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const response = await post(`${runtime.url}/v1/upload`, body, {
      authorization: `Bearer ${key}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    });
    await expectRejected(response, '__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a field sent twice', async () => {
    const form = new FormData();
    form.append('author', 'one');
    form.append('author', 'two');
    form.append('file', new Blob([await jpeg()]), 'a.jpg');
    const response = await fetch(`${runtime.url}/v1/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${key}` },
    });
    await expectRejected(response, 'author');
  });

  it('two files', async () => {
    const form = new FormData();
    form.append('file', new Blob([await jpeg()]), 'a.jpg');
    form.append('file', new Blob([await jpeg()]), 'b.jpg');
    const response = await fetch(`${runtime.url}/v1/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${key}` },
    });
    await expectRejected(response, 'file');
  });
});

describe('POST /v1/upload refuses malformed requests', () => {
  const send = (body: string | Uint8Array, contentType: string) =>
    post(`${runtime.url}/v1/upload`, body, { authorization: `Bearer ${key}`, 'content-type': contentType });

  it('that are not multipart', async () => {
    await expectRejected(await send(JSON.stringify({ file: 'x' }), 'application/json'), 'file');
  });

  it('without a boundary', async () => {
    await expectRejected(await send('whatever', 'multipart/form-data'), 'file');
  });

  it('with a body that never closes its parts', async () => {
    const body = `--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n${'x'.repeat(100)}`;
    await expectRejected(await send(body, 'multipart/form-data; boundary=xyz'), 'file');
  });

  it('with garbage instead of parts', async () => {
    await expectRejected(
      await send('\x00\x01garbage\r\n\r\n--', 'multipart/form-data; boundary=xyz'),
      'file',
    );
  });
});

describe('POST /v1/upload refuses a body over the platform limit', () => {
  it.each([
    ['declared', 'new Uint8Array(72 * 1024 * 1024)'],
    ['streamed', 'new Blob([new Uint8Array(300 * 1024 * 1024)]).stream()'],
  ])('with a 413 that a client still sending a %s body can read', async (_, body) => {
    // More than the runtime reads, sent whole by fetch in a process of its own (in this one, client
    // and server take turns and never race): closing at once reset about half the tries, hence 3.
    const client = `
      const answers = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        answers.push(await fetch(process.argv[1], {
          method: 'POST',
          headers: { authorization: 'Bearer ' + process.argv[2], 'content-type': 'multipart/form-data; boundary=x' },
          body: ${body},
          duplex: 'half',
        }).then(async (r) => ({ status: r.status, error: (await r.json()).error }), (e) => ({ status: 0, error: String(e.cause ?? e) })));
      }
      console.log(JSON.stringify(answers));`;
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      client,
      `${runtime.url}/v1/upload`,
      key,
    ]);
    expect(JSON.parse(stdout)).toEqual(Array(3).fill({ status: 413, error: 'payload_too_large' }));
    expect(await runtime.mediaItems()).toEqual([]);
    expect(await runtime.admin.showTeam(teamId)).toEqual(team);
  });

  it('with the API’s 413 pointing to /v1/uploads, before reading it', async () => {
    const declared = 200 * 1024 * 1024; // more than any plan's file and more than the runtime reads
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(runtime.url);
      const sending = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/upload',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'multipart/form-data; boundary=x',
            'content-length': String(declared),
          },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => {
            body += chunk.toString('utf8');
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      sending.on('error', reject);
      sending.write(Buffer.alloc(64 * 1024)); // the first bytes of a body that never gets sent whole
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'payload_too_large',
      message: expect.stringContaining('POST /v1/uploads'),
      request_id: expect.any(String),
    });
    expect(await runtime.mediaItems()).toEqual([]);
    expect(await runtime.objectKeys()).toEqual([]);
    expect(await runtime.admin.showTeam(teamId)).toEqual(team);
  });
});
