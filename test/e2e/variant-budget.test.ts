import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * The variant budget (VIEWER_VARIANT_BUDGET) on the local runtime, set small: new variants of a media
 * past it are refused for the day, what it admitted keeps being served, other media are unaffected.
 * There is no CDN here: every request is a miss that would render.
 */
const BUDGET = 3;
const DAY = 86_400;
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let runtime: TestRuntime;
let key: string;

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${runtime.url}${path}`, { method, headers });
const newImage = async () =>
  (await json(await upload(runtime.url, { file: await jpeg(64, 48), key }))).id as string;
const secondsToMidnight = () => {
  const now = Math.floor(runtime.clock.nowMs() / 1000);
  return DAY - (now % DAY);
};

/** A refusal as the contract documents it, with Retry-After at the UTC day's end. */
const expectRefused = async (response: Response) => {
  const after = secondsToMidnight();
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(after);
  expect(retryAfter).toBeLessThanOrEqual(after + 5);
  expect(response.headers.get('cache-control')).toBe(`public, max-age=${Math.min(60, retryAfter)}`);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await response.json()).toEqual({
    error: 'variant_budget_exceeded',
    message: expect.stringContaining('new variants'),
    request_id: expect.any(String),
  });
};

beforeAll(async () => {
  runtime = await startTestRuntime({ VIEWER_VARIANT_BUDGET: String(BUDGET) });
  ({ key } = await runtime.newKey());
});
afterAll(() => runtime?.stop());

describe('the variant budget', () => {
  it('admits as many new variants as the budget, refuses the next, and keeps serving the admitted', async () => {
    const id = await newImage();
    for (const width of [10, 20, 30]) expect((await get(`/${id}?w=${width}`)).status, `w=${width}`).toBe(200);

    await expectRefused(await get(`/${id}?w=40`));
    await expectRefused(await get(`/${id}.webp?w=10`));
    // HEAD would render as much as GET, to state the length.
    expect((await get(`/${id}?w=50`, {}, 'HEAD')).status).toBe(429);

    // After the budget is reached: what it admitted, however it is spelt (one canonical variant).
    for (const path of [`/${id}?w=10`, `/${id}?w=20&junk=1`, `/${id}?w=030&fit=scale-down`]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
    }
    expect((await get(`/${id}?w=30`, {}, 'HEAD')).status).toBe(200);
    // The original without transforms and the page never count.
    expect((await get(`/${id}`)).status).toBe(200);
    expect((await get(`/${id}?junk=1&w=0`)).status).toBe(200);
    expect((await get(`/${id}?w=60`, { accept: BROWSER })).status).toBe(200);
  });

  it('leaves other media their own budget', async () => {
    const [full, other] = [await newImage(), await newImage()];
    for (const width of [11, 12, 13]) expect((await get(`/${full}?w=${width}`)).status).toBe(200);
    expect((await get(`/${full}?w=14`)).status).toBe(429);
    for (const width of [14, 15, 16]) expect((await get(`/${other}?w=${width}`)).status).toBe(200);
  });

  it('admits exactly the budget among concurrent new variants', async () => {
    const id = await newImage();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) => get(`/${id}?w=${100 + index}`)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(BUDGET);
    expect(statuses.filter((status) => status === 429)).toHaveLength(12 - BUDGET);
    // And exactly those are served from then on.
    const admitted = answers.flatMap((answer, index) => (answer.status === 200 ? [100 + index] : []));
    for (const width of admitted) expect((await get(`/${id}?w=${width}`)).status).toBe(200);
    const item = (await runtime.items()).find((each) => each.pk === `VARIANTS#${id}`);
    expect(item?.variants).toBeInstanceOf(Set);
    expect((item?.variants as Set<string> | undefined)?.size).toBe(BUDGET);
    expect(item?.purge_at).toBeGreaterThan(Math.floor(runtime.clock.nowMs() / 1000) + 30 * DAY);
  });

  // Last: it moves the runtime's clock.
  it('gives a new budget each UTC day, and keeps serving what earlier days admitted', async () => {
    const id = await newImage();
    for (const width of [21, 22, 23]) expect((await get(`/${id}?w=${width}`)).status).toBe(200);
    expect((await get(`/${id}?w=24`)).status).toBe(429);

    runtime.clock.advance(secondsToMidnight() + 60);
    for (const width of [24, 25, 26]) expect((await get(`/${id}?w=${width}`)).status, `w=${width}`).toBe(200);
    await expectRefused(await get(`/${id}?w=27`));
    // Admitted yesterday, not counted today (today's budget is spent), still served.
    for (const width of [21, 22, 23]) expect((await get(`/${id}?w=${width}`)).status, `w=${width}`).toBe(200);
  });
});
