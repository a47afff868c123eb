import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * Team B's key against team A's media, singly and in batch: every answer must be the one an id
 * that does not exist gets (reading public media aside, which anyone may), and team A's media must
 * come out untouched.
 */
let runtime: TestRuntime;
let teamA: { key: string; teamId: string };
let teamB: { key: string; teamId: string };
let mediaOfA: Record<string, unknown>;
const MISSING = 'AAAAAAAAAAAAAA';

beforeAll(async () => {
  runtime = await startTestRuntime();
  teamA = await runtime.newKey();
  teamB = await runtime.newKey();
  mediaOfA = await json(
    await upload(runtime.url, {
      file: await jpeg(),
      key: teamA.key,
      fields: { author: 'A', public: 'false' },
    }),
  );
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { ...authHeaders(teamB.key), 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // The request id differs per request; everything else must match.
  return { status: response.status, body: text ? { ...JSON.parse(text), request_id: undefined } : undefined };
};

/** Runs `operation` for team A's id and for a missing id, and expects identical answers. */
const sameAsMissing = async (operation: (id: string) => Promise<unknown>) => {
  const foreign = JSON.stringify(await operation(String(mediaOfA.id))).replaceAll(
    String(mediaOfA.id),
    '<id>',
  );
  const missing = JSON.stringify(await operation(MISSING)).replaceAll(MISSING, '<id>');
  expect(foreign).toBe(missing);
};

describe("team B's key on team A's media", () => {
  it('cannot read it while it is private', async () => {
    await sameAsMissing((id) => call('GET', `/v1/media/${id}`));
  });

  it('cannot find it in its list, even by id', async () => {
    await sameAsMissing((id) => call('GET', `/v1/media?ids=${id}`));
    const listed = await call('GET', '/v1/media');
    expect(listed.body).toMatchObject({ data: [] });
  });

  it('cannot update it, singly or in batch', async () => {
    await sameAsMissing((id) => call('PATCH', `/v1/media/${id}`, { caption: 'hijacked' }));
    await sameAsMissing((id) => call('PATCH', '/v1/media/batch', { ids: [id], caption: 'hijacked' }));
  });

  it('cannot delete it, singly or in batch', async () => {
    await sameAsMissing((id) => call('DELETE', `/v1/media/${id}`));
    await sameAsMissing((id) => call('DELETE', '/v1/media/batch', { ids: [id] }));
  });

  it("leaves team A's media and counters untouched", async () => {
    const response = await fetch(`${runtime.url}/v1/media/${mediaOfA.id}`, {
      headers: authHeaders(teamA.key),
    });
    expect(await response.json()).toEqual(mediaOfA);
    expect(await runtime.admin.showTeam(teamA.teamId)).toMatchObject({ media_stored: 1 });
    expect(await runtime.admin.showTeam(teamB.teamId)).toMatchObject({
      media_stored: 0,
      storage_used_bytes: 0,
    });
  });
});
