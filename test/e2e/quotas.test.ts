import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpgradeLink } from '#core/quotas/upgrade-links';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

const SECRET = 'test-upgrade-secret-of-at-least-32-chars';
let runtime: TestRuntime;
let file: Buffer;

beforeAll(async () => {
  file = await jpeg(16, 16);
  runtime = await startTestRuntime({
    // Small plans so limits are reached in a test; the pro storage limit fits exactly three files.
    PLANS: JSON.stringify({
      free: { uploadsPerMonth: 5 },
      pro: { storageBytes: 3 * file.length },
      max: { uploadsPerMonth: 1 },
    }),
    UPGRADE_URL: 'https://billing.example.com/upgrade',
    UPGRADE_LINK_SECRET: SECRET,
  });
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const usage = async (key: string) =>
  json(await fetch(`${runtime.url}/v1/usage`, { headers: authHeaders(key) }));
const nextMonthStart = () => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000;
};

describe('monthly upload quota', () => {
  it('admits exactly the remaining uploads when 20 race for 5 places', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'free' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => upload(runtime.url, { file, key })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 403)).toHaveLength(15);

    const refused = await json(responses.find((response) => response.status === 403) as Response);
    expect(refused).toMatchObject({
      error: 'quota_exceeded',
      action: { type: 'upgrade', label: expect.any(String) },
    });
    const link = verifyUpgradeLink(
      String((refused.action as { url: string }).url),
      SECRET,
      Date.now() / 1000,
    );
    expect(link).toMatchObject({ team: teamId, plan: 'pro' });
    expect(refused.usage).toMatchObject({ monthly: { uploads: 5, uploads_limit: 5, uploads_remaining: 0 } });

    expect(await runtime.admin.showTeam(teamId)).toMatchObject({
      media_stored: 5,
      storage_used_bytes: 5 * file.length,
    });
    expect((await runtime.mediaItems()).filter((item) => item.team_id === teamId)).toHaveLength(5);
  });

  it('refuses at once when the quota is already used, storing nothing', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'free' });
    for (let i = 0; i < 5; i++) expect((await upload(runtime.url, { file, key })).status).toBe(201);
    const objects = (await runtime.objectKeys()).length;
    const response = await upload(runtime.url, { file, key });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-monthly-uploads-remaining')).toBe('0');
    expect((await runtime.objectKeys()).length).toBe(objects);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 5 });
  });

  it('does not give uploads back on delete (they were made this month)', async () => {
    const { key } = await runtime.newKey({ plan: 'free' });
    const created = await json(await upload(runtime.url, { file, key }));
    await fetch(`${runtime.url}/v1/media/${created.id}`, { method: 'DELETE', headers: authHeaders(key) });
    expect(await usage(key)).toMatchObject({
      monthly: { uploads: 1, uploads_remaining: 4 },
      totals: { media_stored: 0 },
    });
  });
});

describe('storage quota', () => {
  it('refuses an upload that would not fit, and frees room on delete', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'pro' });
    const stored = [];
    for (let i = 0; i < 3; i++) stored.push(await json(await upload(runtime.url, { file, key })));
    const full = await usage(key);
    expect(full).toMatchObject({
      totals: { storage_used_bytes: 3 * file.length, storage_remaining_bytes: 0 },
      action: { type: 'upgrade', label: 'Upgrade to scale' },
    });
    expect(
      verifyUpgradeLink(String((full.action as { url: string }).url), SECRET, Date.now() / 1000),
    ).toMatchObject({ team: teamId, plan: 'scale' });
    const refused = await upload(runtime.url, { file, key });
    const body = await json(refused);
    expect(refused.status).toBe(403);
    expect(body).toMatchObject({ error: 'quota_exceeded', message: expect.stringContaining('storage') });
    expect(
      verifyUpgradeLink(String((body.action as { url: string }).url), SECRET, Date.now() / 1000),
    ).toMatchObject({
      team: teamId,
      plan: 'scale',
    });

    await fetch(`${runtime.url}/v1/media/${stored[0]?.id}`, { method: 'DELETE', headers: authHeaders(key) });
    // Room for one more small file now, but not for a larger one: the transaction itself refuses it.
    const larger = await jpeg(64, 64);
    expect(larger.length).toBeGreaterThan(file.length);
    const tooBig = await upload(runtime.url, { file: larger, key });
    expect(tooBig.status).toBe(403);
    expect(await json(tooBig)).toMatchObject({
      error: 'quota_exceeded',
      usage: { totals: { storage_remaining_bytes: file.length } },
    });
    expect((await upload(runtime.url, { file, key })).status).toBe(201);
  });
});

describe('GET /v1/usage', () => {
  it('reports the reference shape with numbers that match what is stored', async () => {
    const { key } = await runtime.newKey({ plan: 'free' });
    const a = await json(await upload(runtime.url, { file, key }));
    const b = await json(await upload(runtime.url, { file: await jpeg(20, 20), key }));
    const body = await usage(key);
    expect(body).toEqual({
      monthly: { uploads: 2, uploads_limit: 5, uploads_remaining: 3, resets_at: nextMonthStart() },
      totals: {
        media_stored: 2,
        storage_used_bytes: Number(a.filesize) + Number(b.filesize),
        storage_limit_bytes: 5 * 1024 ** 3,
        storage_remaining_bytes: 5 * 1024 ** 3 - Number(a.filesize) - Number(b.filesize),
      },
      plan: 'free',
    });
  });

  it('offers the upgrade link once the monthly uploads are used up, and not before', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'free' });
    for (let i = 0; i < 4; i++) expect((await upload(runtime.url, { file, key })).status).toBe(201);
    expect(await usage(key)).not.toHaveProperty('action');
    expect((await upload(runtime.url, { file, key })).status).toBe(201);
    const full = await usage(key);
    expect(full).toMatchObject({
      monthly: { uploads_remaining: 0 },
      action: { type: 'upgrade', label: 'Upgrade to pro' },
    });
    // Signed as a refused upload's link is: for this team, to the next plan.
    expect(
      verifyUpgradeLink(String((full.action as { url: string }).url), SECRET, Date.now() / 1000),
    ).toMatchObject({ team: teamId, plan: 'pro' });
  });

  it('offers no upgrade on the largest plan, which no link can raise, but the operator', async () => {
    const { key } = await runtime.newKey({ plan: 'max' });
    expect((await upload(runtime.url, { file, key })).status).toBe(201);
    const full = await usage(key);
    expect(full).toMatchObject({ plan: 'max', monthly: { uploads_remaining: 0 } });
    expect(full).not.toHaveProperty('action');
    // A refusal sends the team to the operator instead.
    const refused = await upload(runtime.url, { file, key });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({
      error: 'quota_exceeded',
      action: {
        type: 'contact',
        label: 'Ask the operator of this service for more than the max plan allows.',
      },
    });
  });

  it('needs a key with read', async () => {
    expect((await fetch(`${runtime.url}/v1/usage`)).status).toBe(401);
    const { key } = await runtime.newKey({ abilities: 'write' });
    expect((await fetch(`${runtime.url}/v1/usage`, { headers: authHeaders(key) })).status).toBe(403);
  });
});

describe('quota headers', () => {
  it('come with every authenticated upload, counting that upload', async () => {
    const { key } = await runtime.newKey({ plan: 'free' });
    const response = await upload(runtime.url, { file, key });
    expect(response.status).toBe(201);
    expect(
      Object.fromEntries(
        [...response.headers].filter(
          ([name]) => name.startsWith('x-monthly') || name.startsWith('x-storage'),
        ),
      ),
    ).toEqual({
      'x-monthly-uploads-used': '1',
      'x-monthly-uploads-limit': '5',
      'x-monthly-uploads-remaining': '4',
      'x-storage-used': String(file.length),
      'x-storage-limit': String(5 * 1024 ** 3),
      'x-storage-remaining': String(5 * 1024 ** 3 - file.length),
    });
    expect(response.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('report each upload’s own place in the count, however many run at once', async () => {
    const { key } = await runtime.newKey({ plan: 'free' });
    const responses = await Promise.all(Array.from({ length: 5 }, () => upload(runtime.url, { file, key })));
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
    const used = responses.map((response) => Number(response.headers.get('x-monthly-uploads-used')));
    expect(used.sort()).toEqual([1, 2, 3, 4, 5]);
    const remaining = responses.map((response) =>
      Number(response.headers.get('x-monthly-uploads-remaining')),
    );
    expect(remaining.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('follow a plan change made by the operator', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'free' });
    await runtime.admin.setPlan(teamId, 'scale');
    const response = await upload(runtime.url, { file, key });
    expect(response.headers.get('x-monthly-uploads-limit')).toBe('10000');
    expect(await usage(key)).toMatchObject({ plan: 'scale' });
  });
});
