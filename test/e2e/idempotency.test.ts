import { DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBucket } from '#local/provision';
import { jpeg, png } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * Idempotency-Key on the three routes that create something: a retry with the same key gets the
 * first answer back and nothing is done twice; a different request, a second caller, a request
 * still running and a failed first attempt are each told apart.
 */
let runtime: TestRuntime;
let origin: RecordingServer;
let photo: Buffer;
/** How many times /flaky has been asked: it fails the first time, then serves the photo. */
let flakyCalls = 0;
/** Answers the request /held.jpg is waiting on. */
let releaseHeld = () => {};

beforeAll(async () => {
  photo = await jpeg(40, 30);
  origin = await startRecordingServer((request, response) => {
    const send = () => response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
    if (request.url?.startsWith('/photo.jpg')) send();
    else if (request.url?.startsWith('/held.jpg')) releaseHeld = send;
    else if (request.url === '/flaky.jpg' && flakyCalls++ > 0) send();
    else response.writeHead(500).end('no');
  });
  runtime = await startTestRuntime({
    IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
    IMPORT_ALLOWED_PORTS: '*',
    // Room for every image here; a direct upload of 2 MiB is too large until the team upgrades.
    PLANS: JSON.stringify({ free: { maxFileBytes: 1024 * 1024 } }),
  });
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
});

let keys = 0;
/** A key no other test uses. */
const freshKey = () => `order-${Date.now()}-${keys++}`;

const withKey = (idempotencyKey: string | undefined): Record<string, string> =>
  idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey };

const postJson = (path: string, body: unknown, apiKey: string | undefined, idempotencyKey?: string) =>
  fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(apiKey), ...withKey(idempotencyKey) },
    body: JSON.stringify(body),
  });

const uploadWith = (file: Uint8Array, apiKey: string | undefined, idempotencyKey?: string) =>
  upload(runtime.url, { file, key: apiKey, fields: { caption: 'c' }, headers: withKey(idempotencyKey) });

const answer = async (response: Response) => ({
  status: response.status,
  replayed: response.headers.get('idempotent-replayed'),
  body: await json(response),
});

const teamMedia = async (teamId: string) =>
  (await runtime.mediaItems()).filter((item) => item.team_id === teamId);

const usage = async (apiKey: string) =>
  (await json(await fetch(`${runtime.url}/v1/usage`, { headers: authHeaders(apiKey) }))) as {
    monthly: { uploads: number };
  };

const intents = async () => (await runtime.items()).filter((item) => String(item.pk).startsWith('UPLOAD#'));

const idempotencyRecords = async () =>
  (await runtime.items()).filter((item) => String(item.pk).startsWith('IDEM#'));

/** The refusal of a key reused for another request, and a sign that nothing else happened. */
const expectReused = async (response: Response) => {
  expect(response.status).toBe(422);
  expect(response.headers.get('idempotent-replayed')).toBeNull();
  expect(await json(response)).toMatchObject({
    error: 'idempotency_key_reused',
    errors: { 'Idempotency-Key': [expect.any(String)] },
  });
};

describe('POST /v1/upload with an Idempotency-Key', () => {
  it('answers a retry with the first answer, storing and counting one upload', async () => {
    const { key, teamId } = await runtime.newKey();
    const file = await jpeg(32, 24);
    const idempotencyKey = freshKey();

    // Each FormData has a boundary of its own: the same file and fields are still the same request.
    const first = await answer(await uploadWith(file, key, idempotencyKey));
    const second = await uploadWith(file, key, idempotencyKey);
    const retried = await answer(second);

    expect(first).toMatchObject({ status: 201, replayed: null });
    expect(retried).toEqual({ ...first, replayed: 'true' });
    // The quota headers are the first answer's: one upload used.
    expect(second.headers.get('x-monthly-uploads-used')).toBe('1');
    expect(await teamMedia(teamId)).toHaveLength(1);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 1 });
    expect((await usage(key)).monthly.uploads).toBe(1);
    expect(
      (await runtime.objectKeys()).filter((object) => object === `originals/${first.body.id}`),
    ).toHaveLength(1);
  });

  it('refuses the key for a different request with 422 idempotency_key_reused, storing nothing', async () => {
    const { key, teamId } = await runtime.newKey();
    const idempotencyKey = freshKey();
    expect((await uploadWith(await jpeg(10, 10), key, idempotencyKey)).status).toBe(201);

    await expectReused(await uploadWith(await png(10, 10), key, idempotencyKey));
    // Same file, other fields: another request too.
    await expectReused(
      await upload(runtime.url, {
        file: await jpeg(10, 10),
        key,
        fields: { caption: 'other' },
        headers: withKey(idempotencyKey),
      }),
    );
    // The same key on another route is another request (Stripe's rule).
    await expectReused(await postJson('/v1/import', { url: `${origin.url}/photo.jpg` }, key, idempotencyKey));
    expect(await teamMedia(teamId)).toHaveLength(1);
  });

  it('keeps the keys of two callers apart', async () => {
    const one = await runtime.newKey();
    const other = await runtime.newKey();
    const sameTeam = await runtime.admin.createKey(one.teamId, {});
    const file = await jpeg(12, 12);
    const idempotencyKey = freshKey();

    const answers = [
      await answer(await uploadWith(file, one.key, idempotencyKey)),
      await answer(await uploadWith(file, other.key, idempotencyKey)),
      await answer(await uploadWith(file, sameTeam.key, idempotencyKey)),
      await answer(await uploadWith(file, undefined, idempotencyKey)),
    ];
    for (const each of answers) expect(each).toMatchObject({ status: 201, replayed: null });
    expect(new Set(answers.map((each) => each.body.id)).size).toBe(4);
    // Each caller's retry is its own first answer.
    expect(await answer(await uploadWith(file, other.key, idempotencyKey))).toEqual({
      ...answers[1],
      replayed: 'true',
    });
    expect(await teamMedia(one.teamId)).toHaveLength(2);
    expect(await teamMedia(other.teamId)).toHaveLength(1);
  });

  it('does the work once when the same key arrives twice at once', async () => {
    const { key, teamId } = await runtime.newKey();
    const file = await jpeg(64, 64);
    const idempotencyKey = freshKey();
    const racing = await Promise.all([0, 1, 2].map(() => uploadWith(file, key, idempotencyKey).then(answer)));

    const created = racing.filter((each) => each.status === 201);
    const busy = racing.filter((each) => each.status === 409);
    expect(created.length + busy.length).toBe(3);
    expect(created.filter((each) => each.replayed === null)).toHaveLength(1);
    expect(new Set(created.map((each) => each.body.id)).size).toBe(1);
    for (const each of busy) expect(each.body).toMatchObject({ error: 'idempotency_key_in_progress' });
    expect(await teamMedia(teamId)).toHaveLength(1);
    expect((await usage(key)).monthly.uploads).toBe(1);
  });

  it('frees the key when the first attempt fails, so a retry does the work', async () => {
    const { key, teamId } = await runtime.newKey();
    const file = await jpeg(16, 16);
    const idempotencyKey = freshKey();
    // A storage outage: the originals bucket is gone (emptied first, as S3 requires).
    for (const object of await runtime.objectKeys())
      await runtime.s3.send(new DeleteObjectCommand({ Bucket: runtime.bucketName, Key: object }));
    await runtime.s3.send(new DeleteBucketCommand({ Bucket: runtime.bucketName }));
    try {
      const failed = await uploadWith(file, key, idempotencyKey);
      expect({ status: failed.status, body: await json(failed) }).toMatchObject({
        status: 500,
        body: { error: 'upload_failed' },
      });
    } finally {
      await ensureBucket(runtime.s3, runtime.bucketName);
    }
    const retried = await answer(await uploadWith(file, key, idempotencyKey));
    expect(retried).toMatchObject({ status: 201, replayed: null });
    // The success is kept, as any first success is.
    expect(await answer(await uploadWith(file, key, idempotencyKey))).toEqual({
      ...retried,
      replayed: 'true',
    });
    expect(await teamMedia(teamId)).toHaveLength(1);
  });

  it('refuses a malformed key with 422 validation_error before doing anything', async () => {
    const { key, teamId } = await runtime.newKey();
    const file = await jpeg(8, 8);
    for (const bad of ['x'.repeat(256), 'clé', 'tab\there', '']) {
      const response = await uploadWith(file, key, bad);
      expect(response.status, JSON.stringify(bad)).toBe(422);
      expect(await json(response)).toMatchObject({
        error: 'validation_error',
        errors: { 'Idempotency-Key': [expect.stringContaining('255')] },
      });
    }
    expect(await teamMedia(teamId)).toHaveLength(0);
    expect((await uploadWith(file, key, 'k'.repeat(255))).status).toBe(201);
  });

  it('keeps a record for 24 hours holding neither the key, the API key nor the body', async () => {
    const { key } = await runtime.newKey();
    const idempotencyKey = `secret-order-${freshKey()}`;
    const before = await idempotencyRecords();
    const started = Math.floor(Date.now() / 1000);
    expect((await uploadWith(await jpeg(8, 8), key, idempotencyKey)).status).toBe(201);

    const added = (await idempotencyRecords()).filter(
      (record) => !before.some((old) => old.pk === record.pk),
    );
    expect(added).toHaveLength(1);
    const [record] = added;
    expect(record).toMatchObject({ sk: 'IDEM', status: 'COMPLETED' });
    expect(Number(record?.purge_at)).toBeGreaterThanOrEqual(started + 86_400);
    expect(Number(record?.purge_at)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 86_400);
    const stored = JSON.stringify(record);
    expect(stored).not.toContain(idempotencyKey);
    expect(stored).not.toContain(key.slice(-20));
    expect(stored.length).toBeLessThan(4096);
  });

  it('changes nothing without the header', async () => {
    const { key, teamId } = await runtime.newKey();
    const file = await jpeg(8, 8);
    const records = (await idempotencyRecords()).length;
    const answers = [await answer(await uploadWith(file, key)), await answer(await uploadWith(file, key))];
    expect(answers.map((each) => [each.status, each.replayed])).toEqual([
      [201, null],
      [201, null],
    ]);
    expect(await teamMedia(teamId)).toHaveLength(2);
    expect(await idempotencyRecords()).toHaveLength(records);
  });
});

describe('POST /v1/import with an Idempotency-Key', () => {
  it('fetches and stores once, and answers a retry with the first answer', async () => {
    const { key, teamId } = await runtime.newKey();
    const url = `${origin.url}/photo.jpg?${freshKey()}`;
    const idempotencyKey = freshKey();
    const first = await answer(await postJson('/v1/import', { url, caption: 'x' }, key, idempotencyKey));
    const retried = await answer(await postJson('/v1/import', { url, caption: 'x' }, key, idempotencyKey));

    expect(first).toMatchObject({ status: 201, replayed: null });
    expect(retried).toEqual({ ...first, replayed: 'true' });
    expect(
      origin.requests.filter((request) => request.url === new URL(url).pathname + new URL(url).search),
    ).toHaveLength(1);
    expect(await teamMedia(teamId)).toHaveLength(1);
    expect((await usage(key)).monthly.uploads).toBe(1);

    await expectReused(await postJson('/v1/import', { url, caption: 'y' }, key, idempotencyKey));
    expect(await teamMedia(teamId)).toHaveLength(1);
  });

  it('answers 409 idempotency_key_in_progress while the first request runs, then replays it', async () => {
    const { key, teamId } = await runtime.newKey();
    const body = { url: `${origin.url}/held.jpg` };
    const idempotencyKey = freshKey();
    const running = postJson('/v1/import', body, key, idempotencyKey);
    // The first request is fetching (so its key is recorded in progress) until the test releases it.
    while (!origin.requests.some((request) => request.url === '/held.jpg'))
      await new Promise((resolve) => setTimeout(resolve, 20));
    const busy = await postJson('/v1/import', body, key, idempotencyKey);

    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await json(busy)).toMatchObject({ error: 'idempotency_key_in_progress' });
    releaseHeld();
    const first = await answer(await running);
    expect(first).toMatchObject({ status: 201, replayed: null });
    expect(await answer(await postJson('/v1/import', body, key, idempotencyKey))).toEqual({
      ...first,
      replayed: 'true',
    });
    expect(await teamMedia(teamId)).toHaveLength(1);
  });

  it('lets a failed import be retried with the same key', async () => {
    const { key, teamId } = await runtime.newKey();
    const body = { url: `${origin.url}/flaky.jpg` };
    const idempotencyKey = freshKey();
    const failed = await postJson('/v1/import', body, key, idempotencyKey);
    expect(failed.status).toBe(502);
    expect(await teamMedia(teamId)).toHaveLength(0);

    const retried = await answer(await postJson('/v1/import', body, key, idempotencyKey));
    expect(retried).toMatchObject({ status: 201, replayed: null });
    expect(await answer(await postJson('/v1/import', body, key, idempotencyKey))).toEqual({
      ...retried,
      replayed: 'true',
    });
    expect(await teamMedia(teamId)).toHaveLength(1);
  });

  it('refuses a malformed key with 422 validation_error', async () => {
    const { key, teamId } = await runtime.newKey();
    const response = await postJson('/v1/import', { url: `${origin.url}/photo.jpg` }, key, 'x'.repeat(256));
    expect(response.status).toBe(422);
    expect(await json(response)).toMatchObject({ error: 'validation_error' });
    expect(await teamMedia(teamId)).toHaveLength(0);
  });
});

describe('POST /v1/uploads with an Idempotency-Key', () => {
  it('starts one direct upload, and answers a retry with the same upload', async () => {
    const { key } = await runtime.newKey();
    const idempotencyKey = freshKey();
    const before = (await intents()).length;
    const first = await answer(
      await postJson('/v1/uploads', { size: 1000, caption: 'c' }, key, idempotencyKey),
    );
    const retried = await answer(
      await postJson('/v1/uploads', { size: 1000, caption: 'c' }, key, idempotencyKey),
    );

    expect(first).toMatchObject({ status: 201, replayed: null, body: { upload_id: expect.any(String) } });
    expect(retried).toEqual({ ...first, replayed: 'true' });
    expect(await intents()).toHaveLength(before + 1);

    await expectReused(await postJson('/v1/uploads', { size: 1001, caption: 'c' }, key, idempotencyKey));
    expect(await intents()).toHaveLength(before + 1);
  });

  it('keeps the keys of two anonymous addresses apart', async () => {
    const idempotencyKey = freshKey();
    const from = async (address: string) => {
      // Loopback is all of 127/8: each address is another anonymous client to the local gateway.
      const dispatcher = new Agent({ localAddress: address });
      try {
        const response = await undiciFetch(`${runtime.url}/v1/uploads`, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify({ size: 500 }),
        });
        return {
          status: response.status,
          replayed: response.headers.get('idempotent-replayed'),
          body: (await response.json()) as Record<string, unknown>,
        };
      } finally {
        await dispatcher.close();
      }
    };
    const one = await from('127.0.0.1');
    const other = await from('127.0.0.2');
    expect(one).toMatchObject({ status: 201, replayed: null });
    expect(other).toMatchObject({ status: 201, replayed: null });
    expect(other.body.upload_id).not.toBe(one.body.upload_id);
    expect(await from('127.0.0.2')).toEqual({ ...other, replayed: 'true' });
  });

  it('does the work once when the same key arrives twice at once', async () => {
    const { key } = await runtime.newKey();
    const idempotencyKey = freshKey();
    const before = (await intents()).length;
    const racing = await Promise.all(
      [0, 1, 2].map(() => postJson('/v1/uploads', { size: 2000 }, key, idempotencyKey).then(answer)),
    );
    const created = racing.filter((each) => each.status === 201);
    expect(created.length + racing.filter((each) => each.status === 409).length).toBe(3);
    expect(created.filter((each) => each.replayed === null)).toHaveLength(1);
    expect(new Set(created.map((each) => each.body.upload_id)).size).toBe(1);
    expect(await intents()).toHaveLength(before + 1);
  });

  it('lets a refused request be retried with the same key once it can succeed', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'free' });
    const idempotencyKey = freshKey();
    // Larger than the free plan takes here, within the next plan's limit.
    const body = { size: 2 * 1024 * 1024 };
    const refused = await postJson('/v1/uploads', body, key, idempotencyKey);
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({
      error: 'validation_error',
      errors: { size: [expect.any(String)] },
    });

    await runtime.admin.setPlan(teamId, 'pro');
    const retried = await answer(await postJson('/v1/uploads', body, key, idempotencyKey));
    expect(retried).toMatchObject({ status: 201, replayed: null });
    expect(await answer(await postJson('/v1/uploads', body, key, idempotencyKey))).toEqual({
      ...retried,
      replayed: 'true',
    });
  });

  it('refuses a malformed key with 422 validation_error', async () => {
    const { key } = await runtime.newKey();
    const before = (await intents()).length;
    const response = await postJson('/v1/uploads', { size: 10 }, key, 'ünïcode');
    expect(response.status).toBe(422);
    expect(await json(response)).toMatchObject({ error: 'validation_error' });
    expect(await intents()).toHaveLength(before);
  });
});
