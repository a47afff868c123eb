import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * TTL expiry and the cleanup job on the local runtime, with a clock the test moves forward. The
 * cleanup runs only when a test invokes its handler, exactly as the schedule would.
 */
let runtime: TestRuntime;
const DAY = 86_400;
/** A cleanup run that found nothing to do. */
const NOTHING_TO_DO = {
  expired: 0,
  invalidated: 0,
  purged: 0,
  kept: 0,
  orphans: 0,
  unclaimed: 0,
  backfilled: 0,
  failed: 0,
};

beforeAll(async () => {
  runtime = await startTestRuntime({ CLEANUP_BATCH_SIZE: '4' });
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const get = (path: string, key?: string) => fetch(`${runtime.url}${path}`, { headers: authHeaders(key) });
const send = (method: string, path: string, key: string, body: unknown) =>
  fetch(`${runtime.url}${path}`, {
    method,
    headers: { ...authHeaders(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const originalExists = (id: unknown) =>
  runtime.s3
    .send(new HeadObjectCommand({ Bucket: runtime.bucketName, Key: `originals/${id}` }))
    .then(() => true)
    .catch(() => false);

/** Runs the job until it has nothing left to do, as successive scheduled runs would. */
const drainCleanup = async () => {
  for (let run = 0; run < 20; run++) {
    const report = await runtime.runCleanup();
    if (Object.values(report).every((count) => count === 0)) return;
  }
  throw new Error('cleanup never settled');
};

describe('media with a ttl', () => {
  it('vanish from every read path the moment they expire, before any cleanup', async () => {
    const { key } = await runtime.newKey();
    const media = await json(await upload(runtime.url, { file: await jpeg(), key, fields: { ttl: '300' } }));
    expect((await get(`/v1/media/${media.id}`, key)).status).toBe(200);

    runtime.clock.advance(301);
    expect((await get(`/v1/media/${media.id}`, key)).status).toBe(404);
    expect((await get(`/v1/media/${media.id}`)).status).toBe(404);
    expect((await fetch(String(media.link))).status).toBe(404);
    expect((await json(await get('/v1/media', key))).data).toEqual([]);
    expect((await json(await get(`/v1/media?ids=${media.id}`, key))).data).toEqual([]);
    const batch = await json(await send('PATCH', '/v1/media/batch', key, { ids: [media.id], caption: 'x' }));
    expect(batch).toMatchObject({ updated: 0, not_found: [media.id] });
    expect((await send('PATCH', `/v1/media/${media.id}`, key, { ttl: null })).status).toBe(404);
    // Not yet cleaned up: the original is still stored and still counted.
    expect(await originalExists(media.id)).toBe(true);
    await drainCleanup();
  });

  it('are retired by the cleanup: original removed, counters corrected, exactly once', async () => {
    const { key, teamId } = await runtime.newKey();
    const keep = await json(await upload(runtime.url, { file: await jpeg(), key }));
    const expiring = [];
    for (let i = 0; i < 6; i++) {
      expiring.push(
        await json(await upload(runtime.url, { file: await jpeg(8 + i, 8), key, fields: { ttl: '5m' } })),
      );
    }
    const anonymous = await json(await upload(runtime.url, { file: await jpeg() }));
    runtime.clock.advance(30 * DAY + 1);

    // Two runs at once, then more: each piece of work is done by exactly one of them.
    const [first, second] = await Promise.all([runtime.runCleanup(), runtime.runCleanup()]);
    expect(first.failed + second.failed).toBe(0);
    await drainCleanup();

    for (const media of [...expiring, anonymous]) expect(await originalExists(media.id)).toBe(false);
    expect(await originalExists(keep.id)).toBe(true);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({
      media_stored: 1,
      storage_used_bytes: keep.filesize,
    });
    expect(await runtime.runCleanup()).toEqual(NOTHING_TO_DO);
  });

  it('bounds the work of one run; the next run continues', async () => {
    const { key } = await runtime.newKey();
    for (let i = 0; i < 6; i++)
      await upload(runtime.url, { file: await jpeg(), key, fields: { ttl: '300' } });
    runtime.clock.advance(301);
    const first = await runtime.runCleanup();
    expect(first.expired).toBe(4);
    const second = await runtime.runCleanup();
    expect(second.expired).toBe(2);
    await drainCleanup();
  });

  it('stay when a PATCH removes the ttl before they expire', async () => {
    const { key } = await runtime.newKey();
    const media = await json(await upload(runtime.url, { file: await jpeg(), key, fields: { ttl: '300' } }));
    // A minute short of expiry: the clock also runs in real time, and a loaded machine can take
    // more than a second between the upload's answer and the PATCH.
    runtime.clock.advance(240);
    expect((await send('PATCH', `/v1/media/${media.id}`, key, { ttl: null })).status).toBe(200);
    runtime.clock.advance(3_600);
    await drainCleanup();
    expect((await get(`/v1/media/${media.id}`, key)).status).toBe(200);
    expect(await originalExists(media.id)).toBe(true);
  });

  it('live longer when a PATCH extends the ttl', async () => {
    const { key } = await runtime.newKey();
    const media = await json(await upload(runtime.url, { file: await jpeg(), key, fields: { ttl: '300' } }));
    expect((await send('PATCH', `/v1/media/${media.id}`, key, { ttl: '1h' })).status).toBe(200);
    runtime.clock.advance(600);
    await drainCleanup();
    expect((await get(`/v1/media/${media.id}`, key)).status).toBe(200);
    runtime.clock.advance(3_600);
    await drainCleanup();
    expect(await originalExists(media.id)).toBe(false);
  });
});

describe('media made private', () => {
  it('have their cached variants dropped by the next cleanup run, then keep their own schedule', async () => {
    const { key } = await runtime.newKey();
    const permanent = await json(await upload(runtime.url, { file: await jpeg(), key }));
    const temporary = await json(
      await upload(runtime.url, { file: await jpeg(), key, fields: { ttl: '1h' } }),
    );
    for (const media of [permanent, temporary]) {
      expect((await send('PATCH', `/v1/media/${media.id}`, key, { public: false })).status).toBe(200);
    }

    expect(await runtime.runCleanup()).toMatchObject({ invalidated: 2, expired: 0, purged: 0, failed: 0 });
    const item = async (id: unknown) => (await runtime.items()).find((entry) => entry.id === id);
    expect(await item(permanent.id)).toMatchObject({ cdn_invalidated: true });
    expect((await item(permanent.id))?.gsi2pk).toBeUndefined();
    expect(await item(temporary.id)).toMatchObject({ cdn_invalidated: true, gsi2pk: 'DUE' });
    expect(await runtime.runCleanup()).toEqual(NOTHING_TO_DO);
    expect((await get(`/v1/media/${permanent.id}`, key)).status).toBe(200);

    runtime.clock.advance(3_601);
    await drainCleanup();
    expect(await originalExists(temporary.id)).toBe(false);
    expect(await originalExists(permanent.id)).toBe(true);
  });
});

describe('deleted media', () => {
  it('keep their original for the retention period, then lose it; counters move only once', async () => {
    const { key, teamId } = await runtime.newKey();
    const media = await json(await upload(runtime.url, { file: await jpeg(), key }));
    expect((await send('DELETE', `/v1/media/${media.id}`, key, {})).status).toBe(204);
    const afterDelete = await runtime.admin.showTeam(teamId);

    await drainCleanup();
    expect(await originalExists(media.id)).toBe(true);
    runtime.clock.advance(7 * DAY - 60);
    await drainCleanup();
    expect(await originalExists(media.id)).toBe(true);
    runtime.clock.advance(120);
    await drainCleanup();
    expect(await originalExists(media.id)).toBe(false);
    expect(await runtime.admin.showTeam(teamId)).toEqual(afterDelete);
  });
});
