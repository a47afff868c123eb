import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN_SECRET_HEADER, VIEWER_ADDRESS_HEADER } from '#core/http/edge-contract';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * The API as it runs on AWS behind its distribution: configured with the origin secret, it takes
 * only requests that carry it, and counts anonymous clients by the address the edge passes on.
 * (The local runtime plays CloudFront's part here by sending the headers itself.)
 */
const ORIGIN_SECRET = 'the-value-cloudfront-adds-to-every-api-request';
let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({
    ORIGIN_SECRET,
    ANON_RATE_LIMIT_HOURLY: '2',
    ANON_RATE_LIMIT_DAILY: '100',
  });
});
afterAll(() => runtime?.stop());

const viaEdge = (address: string) => ({
  [ORIGIN_SECRET_HEADER]: ORIGIN_SECRET,
  [VIEWER_ADDRESS_HEADER]: address,
});

describe('behind the API distribution', () => {
  it('refuses requests that went around it, storing and counting nothing', async () => {
    const { key } = await runtime.newKey();
    const file = await jpeg();
    const around: Record<string, string>[] = [
      {},
      { [VIEWER_ADDRESS_HEADER]: '198.51.100.1' },
      { [ORIGIN_SECRET_HEADER]: 'not-the-secret', [VIEWER_ADDRESS_HEADER]: '198.51.100.1' },
    ];
    for (const headers of around) {
      for (const caller of [undefined, key]) {
        const refused = await upload(runtime.url, { file, key: caller, headers });
        expect(refused.status).toBe(403);
        expect(await json(refused)).toMatchObject({
          error: 'forbidden',
          message: expect.stringContaining('ApiUrl'),
        });
      }
      const listing = await fetch(`${runtime.url}/v1/media`, {
        headers: { ...authHeaders(key), ...headers },
      });
      expect(listing.status).toBe(403);
    }
    expect(await runtime.mediaItems()).toEqual([]);
    expect(await runtime.objectKeys()).toEqual([]);
    expect((await runtime.items()).filter((item) => String(item.pk).startsWith('RATE#'))).toEqual([]);
    await runtime.expectCountersToMatchMedia();
  });

  it('counts anonymous uploads per address the edge passes on', async () => {
    const file = await jpeg();
    for (const expected of [201, 201, 429]) {
      const response = await upload(runtime.url, { file, headers: viaEdge('198.51.100.2') });
      expect(response.status).toBe(expected);
    }
    // Another client behind the same edge has its own window.
    const other = await upload(runtime.url, { file, headers: viaEdge('198.51.100.3') });
    expect(other.status).toBe(201);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('1');
  });

  it('serves keyed requests that came through it', async () => {
    const { key } = await runtime.newKey();
    const created = await upload(runtime.url, { file: await jpeg(), key, headers: viaEdge('198.51.100.4') });
    expect(created.status).toBe(201);
    const listing = await fetch(`${runtime.url}/v1/media`, {
      headers: { ...authHeaders(key), ...viaEdge('198.51.100.4') },
    });
    expect(listing.status).toBe(200);
    expect((await json(listing)).data).toHaveLength(1);
  });
});
