import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const call = (method: string, path: string, key: string | undefined, body?: unknown) =>
  fetch(`${runtime.url}${path}`, {
    method,
    headers: { ...authHeaders(key), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

const uploadMany = async (key: string, count: number, fields: Record<string, string> = {}) => {
  const created: Record<string, unknown>[] = [];
  // One at a time, so creation order is the listing order.
  for (let i = 0; i < count; i++)
    created.push(await json(await upload(runtime.url, { file: await jpeg(8, 8), key, fields })));
  return created;
};

const expect422 = async (response: Response, field: string) => {
  const body = await json(response);
  expect(response.status, JSON.stringify(body)).toBe(422);
  expect(body).toMatchObject({ error: 'validation_error' });
  expect(Object.keys(body.errors as object)).toContain(field);
};

const idsOf = (page: Record<string, unknown>) => (page.data as { id: string }[]).map((item) => item.id);

describe('GET /v1/media', () => {
  it('pages through the team’s media newest first with an opaque cursor', async () => {
    const { key } = await runtime.newKey();
    const created = await uploadMany(key, 5, { author: 'not in lists' });
    const newestFirst = created.map((media) => media.id).reverse();

    const first = await json(await call('GET', '/v1/media?limit=2', key));
    expect(idsOf(first)).toEqual(newestFirst.slice(0, 2));
    expect(first).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
    expect(first.data).toEqual(
      created
        .slice(3)
        .reverse()
        .map(({ author: _, ...item }) => item),
    );

    const second = await json(await call('GET', `/v1/media?limit=2&cursor=${first.next_cursor}`, key));
    expect(idsOf(second)).toEqual(newestFirst.slice(2, 4));
    const third = await json(await call('GET', `/v1/media?limit=2&cursor=${second.next_cursor}`, key));
    expect(idsOf(third)).toEqual(newestFirst.slice(4));
    expect(third).toMatchObject({ has_more: false, next_cursor: null });

    const all = await json(await call('GET', '/v1/media', key));
    expect(idsOf(all)).toEqual(newestFirst);
  });

  it('returns just the team’s live media for ids=…, in the order asked', async () => {
    const { key } = await runtime.newKey();
    const other = await runtime.newKey();
    const [a, b, c] = await uploadMany(key, 3);
    const [foreign] = await uploadMany(other.key, 1);
    expect((await call('DELETE', `/v1/media/${b?.id}`, key)).status).toBe(204);

    const page = await json(
      await call('GET', `/v1/media?ids=${c?.id},${foreign?.id},${b?.id},missing,${a?.id}`, key),
    );
    expect(idsOf(page)).toEqual([c?.id, a?.id]);
    expect(page).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('keeps pages full when deleted media sit between live ones', async () => {
    const { key } = await runtime.newKey();
    const created = await uploadMany(key, 6);
    for (const media of created.filter((_, index) => index % 2 === 1)) {
      expect((await call('DELETE', `/v1/media/${media.id}`, key)).status).toBe(204);
    }
    const page = await json(await call('GET', '/v1/media?limit=3', key));
    expect(idsOf(page)).toEqual([created[4]?.id, created[2]?.id, created[0]?.id]);
    expect(page.has_more).toBe(false);
  });

  it.each([['0'], ['101'], ['abc'], ['1.5'], ['-1'], ['']])('refuses limit=%j', async (limit) => {
    const { key } = await runtime.newKey();
    await expect422(await call('GET', `/v1/media?limit=${limit}`, key), 'limit');
  });

  it.each([
    ['not-base64!'],
    ['AAAA'],
    [Buffer.from('999999999999999#short').toString('base64url')],
    ['x'.repeat(500)],
  ])('refuses a tampered cursor %j with 422', async (cursor) => {
    const { key } = await runtime.newKey();
    await expect422(await call('GET', `/v1/media?cursor=${encodeURIComponent(cursor)}`, key), 'cursor');
  });

  it('needs a key with read', async () => {
    expect((await call('GET', '/v1/media', undefined)).status).toBe(401);
    const { key } = await runtime.newKey({ abilities: 'write' });
    expect((await call('GET', '/v1/media', key)).status).toBe(403);
  });
});

describe('PATCH /v1/media/:id', () => {
  it('changes caption, visibility, ttl and metadata, and returns the updated object', async () => {
    const { key } = await runtime.newKey();
    const [media] = await uploadMany(key, 1, { author: 'Jane', old_field: 'x', caption: 'before' });

    const before = Math.floor(Date.now() / 1000);
    const response = await call('PATCH', `/v1/media/${media?.id}`, key, {
      caption: 'after',
      ttl: '7d',
      author: 'Updated Author',
      old_field: null,
      license: 'cc-by-4.0',
    });
    const updated = await json(response);
    expect(response.status).toBe(200);
    expect(updated).toMatchObject({
      id: media?.id,
      caption: 'after',
      author: 'Updated Author',
      license: 'cc-by-4.0',
    });
    expect(updated).not.toHaveProperty('old_field');
    expect(updated.expires_at).toBeGreaterThanOrEqual(before + 7 * 86_400);
    expect(await json(await call('GET', `/v1/media/${media?.id}`, key))).toEqual(updated);

    const permanent = await json(
      await call('PATCH', `/v1/media/${media?.id}`, key, { ttl: null, caption: '' }),
    );
    expect(permanent).not.toHaveProperty('expires_at');
    expect(permanent.caption).toBeNull();
  });

  it('hides and shows media with public', async () => {
    const { key } = await runtime.newKey();
    const [media] = await uploadMany(key, 1);
    const link = String(media?.link);
    expect((await fetch(link)).status).toBe(200);
    expect(media?.public).toBe(true);
    // Each answer says where the media stands: the update's, its team's read and the listing.
    const listed = async () =>
      ((await json(await call('GET', '/v1/media', key))).data as { public: boolean }[])[0]?.public;

    const hidden = await call('PATCH', `/v1/media/${media?.id}`, key, { public: false });
    expect(hidden.status).toBe(200);
    expect((await json(hidden)).public).toBe(false);
    expect((await call('GET', `/v1/media/${media?.id}`, undefined)).status).toBe(404);
    expect((await fetch(link)).status).toBe(404);
    const own = await call('GET', `/v1/media/${media?.id}`, key);
    expect([own.status, (await json(own)).public, await listed()]).toEqual([200, false, false]);

    const shown = await call('PATCH', `/v1/media/${media?.id}`, key, { public: true });
    expect((await json(shown)).public).toBe(true);
    expect((await fetch(link)).status).toBe(200);
    expect(await listed()).toBe(true);
  });

  it.each([
    [{ tags: ['a'] }, 'tags'],
    [{ namespace: 'x' }, 'namespace'],
    [{ nsfw: false }, 'nsfw'],
    [{ tool: 'x' }, 'tool'],
    [{ defaults: {} }, 'defaults'],
    [{ description: 'x' }, 'description'],
    [{ public: 'yes' }, 'public'],
    [{ ttl: '1m' }, 'ttl'],
    [{ ttl: 299 }, 'ttl'],
    [{ caption: 'c'.repeat(2_001) }, 'caption'],
    [{ author: 42 }, 'author'],
    [{ author: 'a'.repeat(1_001) }, 'author'],
    [{ id: 'x' }, 'id'],
    [{ '1bad': 'x' }, '1bad'],
    [{ constructor: 'x' }, 'constructor'],
  ])('refuses %j and changes nothing', async (patch, field) => {
    const { key } = await runtime.newKey();
    const [media] = await uploadMany(key, 1, { author: 'Jane' });
    await expect422(await call('PATCH', `/v1/media/${media?.id}`, key, patch), field);
    expect(await json(await call('GET', `/v1/media/${media?.id}`, key))).toEqual(media);
  });

  it.each([['not json'], ['[1,2]'], ['"text"'], ['null']])('refuses the body %j', async (body) => {
    const { key } = await runtime.newKey();
    const [media] = await uploadMany(key, 1);
    const response = await call('PATCH', `/v1/media/${media?.id}`, key, body);
    expect(response.status).toBe(422);
    expect(await json(response)).toMatchObject({ error: 'validation_error' });
  });

  it('keeps the merged metadata within 20 fields', async () => {
    const { key } = await runtime.newKey();
    const fields = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`f${i}`, 'x']));
    const [media] = await uploadMany(key, 1, fields);
    await expect422(
      await call('PATCH', `/v1/media/${media?.id}`, key, { extra1: 'a', extra2: 'b' }),
      'metadata',
    );
    expect(await json(await call('GET', `/v1/media/${media?.id}`, key))).toEqual(media);
    // Removing one while adding two stays within the limit.
    const ok = await call('PATCH', `/v1/media/${media?.id}`, key, { f0: null, extra1: 'a' });
    expect(ok.status).toBe(200);
  });
});

describe('DELETE /v1/media/:id', () => {
  it('soft-deletes: 204, then gone from GET, list and the link while the original still exists', async () => {
    const { key, teamId } = await runtime.newKey();
    const [media] = await uploadMany(key, 1);
    const before = await runtime.admin.showTeam(teamId);

    const response = await call('DELETE', `/v1/media/${media?.id}`, key);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');

    expect((await call('GET', `/v1/media/${media?.id}`, key)).status).toBe(404);
    expect(idsOf(await json(await call('GET', '/v1/media', key)))).not.toContain(media?.id);
    expect((await fetch(String(media?.link))).status).toBe(404);
    expect(await runtime.objectKeys()).toContain(`originals/${media?.id}`);

    const after = await runtime.admin.showTeam(teamId);
    expect(after.media_stored).toBe(before.media_stored - 1);
    expect(after.storage_used_bytes).toBe(before.storage_used_bytes - Number(media?.filesize));

    expect((await call('DELETE', `/v1/media/${media?.id}`, key)).status).toBe(404);
    expect(await runtime.admin.showTeam(teamId)).toEqual(after);
  });

  it('counts concurrent deletes of the same media exactly once', async () => {
    const { key, teamId } = await runtime.newKey();
    const [media] = await uploadMany(key, 1);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async () => (await call('DELETE', `/v1/media/${media?.id}`, key)).status),
    );
    expect(statuses.filter((status) => status === 204)).toHaveLength(1);
    expect(statuses.filter((status) => status === 404)).toHaveLength(7);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 0, storage_used_bytes: 0 });
  });
});

describe('PATCH /v1/media/:id under contention', () => {
  it('applies 40 parallel changes to one item, each answered 200 and none lost', async () => {
    const { key } = await runtime.newKey();
    const [media] = await uploadMany(key, 1);
    // Each request sets one of the 20 attribution fields a media may have: all must survive.
    const fields = Array.from({ length: 20 }, (_, i) => `field_${i}`);
    const answers = await Promise.all(
      [...fields, ...fields].map(async (name, i) => {
        const response = await call('PATCH', `/v1/media/${media?.id}`, key, {
          caption: `caption ${i}`,
          [name]: String(i),
        });
        return { status: response.status, body: await json(response) };
      }),
    );
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const stored = await json(await call('GET', `/v1/media/${media?.id}`, key));
    expect(
      Object.keys(stored)
        .filter((name) => name.startsWith('field_'))
        .sort(),
    ).toEqual([...fields].sort());
    expect(answers.map((answer) => answer.body.caption)).toContain(stored.caption);
  }, 30_000);
});

describe('batch', () => {
  it('PATCH /v1/media/batch updates the team’s ids and reports the rest as not found', async () => {
    const { key } = await runtime.newKey();
    const other = await runtime.newKey();
    const mine = await uploadMany(key, 3);
    const [theirs] = await uploadMany(other.key, 1);
    const ids = [...mine.map((media) => String(media.id)), String(theirs?.id), 'AAAAAAAAAAAAAA'];

    const result = await json(
      await call('PATCH', '/v1/media/batch', key, { ids, caption: 'batched', ttl: '7d' }),
    );
    expect(result.updated).toBe(3);
    expect(
      (result.media as { id: string; caption: string }[]).map((media) => [media.id, media.caption]),
    ).toEqual(mine.map((media) => [media.id, 'batched']));
    expect(result.not_found).toEqual([theirs?.id, 'AAAAAAAAAAAAAA']);
    expect((await json(await call('GET', `/v1/media/${theirs?.id}`, other.key))).caption).toBeNull();
  });

  it('DELETE /v1/media/batch deletes the team’s ids once and reports the rest', async () => {
    const { key, teamId } = await runtime.newKey();
    const mine = await uploadMany(key, 3);
    const ids = mine.map((media) => String(media.id));

    const result = await json(
      await call('DELETE', '/v1/media/batch', key, { ids: [...ids, 'AAAAAAAAAAAAAA'] }),
    );
    expect(result).toEqual({ deleted: 3, not_found: ['AAAAAAAAAAAAAA'] });
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 0, storage_used_bytes: 0 });

    const again = await json(await call('DELETE', '/v1/media/batch', key, { ids }));
    expect(again).toEqual({ deleted: 0, not_found: ids });
  });

  it.each([
    [{ ids: [] }, 'ids'],
    [{ ids: Array.from({ length: 101 }, (_, i) => `id${i}`) }, 'ids'],
    [{ ids: ['a', 'a'] }, 'ids'],
    [{ ids: 'a,b' }, 'ids'],
    [{}, 'ids'],
    [{ ids: ['a'], author: 'x' }, 'author'],
    [{ ids: ['a'], tags: [] }, 'tags'],
    [{ ids: ['a'], ttl: 'never' }, 'ttl'],
  ])('PATCH refuses %j', async (body, field) => {
    const { key } = await runtime.newKey();
    await expect422(await call('PATCH', '/v1/media/batch', key, body), field);
  });

  it.each([
    [(_id: string) => ({ ids: [] }), 'ids'],
    [(id: string) => ({ ids: [id, ...Array.from({ length: 100 }, (_, i) => `id${i}`)] }), 'ids'],
    [(id: string) => ({ ids: [id, id] }), 'ids'],
    [(id: string) => ({ ids: [id], caption: 'x' }), 'caption'],
  ])('DELETE refuses a bad body (%#) and deletes nothing', async (body, field) => {
    const { key, teamId } = await runtime.newKey();
    const [media] = await uploadMany(key, 1);
    await expect422(await call('DELETE', '/v1/media/batch', key, body(String(media?.id))), field);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 1 });
    expect((await call('GET', `/v1/media/${media?.id}`, key)).status).toBe(200);
  });

  it('is never taken for a media id', async () => {
    const { key } = await runtime.newKey();
    expect((await call('GET', '/v1/media/batch', key)).status).toBe(404);
    expect((await call('PATCH', '/v1/media/batch', key, { caption: 'x' })).status).toBe(422);
  });
});

describe('external_id', () => {
  it('is unique per team, atomically, returned in the media object, and free again after delete', async () => {
    const { key, teamId } = await runtime.newKey();
    const other = await runtime.newKey();

    const results = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const response = await upload(runtime.url, {
          file: await jpeg(8, 8),
          key,
          fields: { external_id: 'ext-123' },
        });
        return { status: response.status, body: await json(response) };
      }),
    );
    const created = results.filter((result) => result.status === 201);
    expect(created).toHaveLength(1);
    expect(created[0]?.body.external_id).toBe('ext-123');
    for (const result of results.filter((r) => r.status !== 201)) {
      expect(result).toMatchObject({ status: 409, body: { error: 'external_id_duplicate' } });
    }
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 1 });

    const elsewhere = await upload(runtime.url, {
      file: await jpeg(8, 8),
      key: other.key,
      fields: { external_id: 'ext-123' },
    });
    expect(elsewhere.status).toBe(201);

    expect((await call('DELETE', `/v1/media/${created[0]?.body.id}`, key)).status).toBe(204);
    const reused = await upload(runtime.url, {
      file: await jpeg(8, 8),
      key,
      fields: { external_id: 'ext-123' },
    });
    expect(reused.status).toBe(201);
  });
});

describe('GET /openapi.json', () => {
  it('describes every API route from the request schemas', async () => {
    const { ROUTES } = await import('../../lambdas/http/routes.ts');
    const document = await json(await fetch(`${runtime.url}/openapi.json`));
    expect(document.openapi).toBe('3.1.0');
    const paths = document.paths as Record<string, Record<string, unknown>>;
    for (const route of ROUTES.filter((r) => r.path.startsWith('/v1/'))) {
      expect(paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
    const patch = paths['/v1/media/{id}']?.patch as {
      requestBody: { content: Record<string, { schema: { properties: object } }> };
    };
    expect(Object.keys(patch.requestBody.content['application/json']?.schema.properties ?? {})).toEqual(
      expect.arrayContaining(['caption', 'public', 'ttl']),
    );
  });
});
