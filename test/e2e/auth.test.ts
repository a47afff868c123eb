import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey } from '#core/api-keys/api-key';
import { jpeg } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime?.stop());

const expectError = async (response: Response, status: number, code: string) => {
  const body = await json(response);
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(body).toMatchObject({ error: code, message: expect.any(String) });
};

describe('API keys', () => {
  it('are shown once with a recognisable prefix and stored only as a hash', async () => {
    const { key, keyId } = await runtime.newKey();
    expect(key).toMatch(/^imgpro_[0-9A-Za-z]{16}_[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify(await runtime.items());
    expect(stored).toContain(keyId);
    // The whole secret (the last `_`-separated piece can be one character, found by chance).
    expect(stored).not.toContain(parseApiKey(key)?.secret);
  });

  it.each([
    ['an unknown key', 'Bearer imgpro_AAAAAAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a malformed key', 'Bearer not-a-key'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an empty bearer', 'Bearer '],
  ])('turn %s into 401 even where anonymous use is allowed', async (_, authorization) => {
    const form = new FormData();
    form.append('file', new Blob([await jpeg()]), 'a.jpg');
    const response = await fetch(`${runtime.url}/v1/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization },
    });
    await expectError(response, 401, 'unauthorized');
    expect(await runtime.mediaItems()).toEqual([]);
  });

  it('with the right key id but a wrong secret are refused', async () => {
    const { key } = await runtime.newKey();
    const forged = `${key.slice(0, -4)}AAAA` === key ? `${key.slice(0, -4)}BBBB` : `${key.slice(0, -4)}AAAA`;
    await expectError(await upload(runtime.url, { file: await jpeg(), key: forged }), 401, 'unauthorized');
  });

  it('without the write ability cannot upload (403), but can read', async () => {
    const writer = await runtime.newKey();
    const created = await json(await upload(runtime.url, { file: await jpeg(), key: writer.key }));
    const reader = await runtime.admin.createKey(writer.teamId, { abilities: 'read' });

    await expectError(await upload(runtime.url, { file: await jpeg(), key: reader.key }), 403, 'forbidden');
    const read = await fetch(`${runtime.url}/v1/media/${created.id}`, {
      headers: { authorization: `Bearer ${reader.key}` },
    });
    expect(read.status).toBe(200);
  });

  it('without the read ability cannot read (403)', async () => {
    const writer = await runtime.newKey({ abilities: 'write' });
    const created = await json(await upload(runtime.url, { file: await jpeg(), key: writer.key }));
    const response = await fetch(`${runtime.url}/v1/media/${created.id}`, {
      headers: { authorization: `Bearer ${writer.key}` },
    });
    await expectError(response, 403, 'forbidden');
  });

  it('stop working once revoked', async () => {
    const { key, keyId } = await runtime.newKey();
    expect((await upload(runtime.url, { file: await jpeg(), key })).status).toBe(201);
    const before = (await runtime.mediaItems()).length;
    await runtime.admin.revokeKey(keyId);
    await expectError(await upload(runtime.url, { file: await jpeg(), key }), 401, 'unauthorized');
    expect((await runtime.mediaItems()).length).toBe(before);
  });
});
