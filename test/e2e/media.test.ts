import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

let runtime: TestRuntime;
let teamA: { key: string };
let teamB: { key: string };

beforeAll(async () => {
  runtime = await startTestRuntime();
  teamA = await runtime.newKey();
  teamB = await runtime.newKey();
});
afterAll(() => runtime?.stop());

const getMedia = (id: unknown, key?: string) =>
  fetch(`${runtime.url}/v1/media/${id}`, { headers: authHeaders(key) });

const expectNotFound = async (response: Response) => {
  expect(response.status).toBe(404);
  expect(await json(response)).toMatchObject({ error: 'not_found', message: 'Image not found.' });
};

describe('GET /v1/media/:id', () => {
  it('serves public media to anyone and to its own team', async () => {
    const created = await json(
      await upload(runtime.url, { file: await jpeg(), key: teamA.key, fields: { author: 'A' } }),
    );
    for (const key of [undefined, teamA.key]) {
      const response = await getMedia(created.id, key);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(created);
    }
  });

  it('keeps private media to its team; everyone else gets the same 404 as for a missing id', async () => {
    const created = await json(
      await upload(runtime.url, { file: await jpeg(), key: teamA.key, fields: { public: 'false' } }),
    );
    expect((await getMedia(created.id, teamA.key)).status).toBe(200);
    await expectNotFound(await getMedia(created.id));
    await expectNotFound(await getMedia(created.id, teamB.key));
    await expectNotFound(await getMedia('AAAAAAAAAAAAAA'));
  });

  it("shows another team's public media to a key exactly as to anyone, and never its private media", async () => {
    const created = await json(await upload(runtime.url, { file: await jpeg(), key: teamA.key }));
    const withKey = await getMedia(created.id, teamB.key);
    expect(withKey.status).toBe(200);
    expect(await withKey.json()).toEqual(await (await getMedia(created.id)).json());
    const hidden = await json(
      await upload(runtime.url, { file: await jpeg(), key: teamA.key, fields: { public: 'false' } }),
    );
    await expectNotFound(await getMedia(hidden.id, teamB.key));
  });

  it.each([['..%2F..%2Fetc'], ['%00'], ['x'.repeat(300)], ['MEDIA%23abc']])(
    'answers 404 for the id %j',
    async (id) => {
      await expectNotFound(await getMedia(id));
    },
  );
});
