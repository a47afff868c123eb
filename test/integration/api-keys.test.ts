import { beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey, parseApiKey } from '#core/api-keys/api-key';
import { type Authenticator, createAuthenticator } from '#core/api-keys/auth';
import { createApiKeyRepository } from '#core/api-keys/repository';
import { DomainError } from '#core/errors';
import { clientBucket } from '#core/quotas/rate-limits';
import { freshStorage } from '#test/backends-clients';
import { answerTo } from '#test/errors';

let repository: ReturnType<typeof createApiKeyRepository>;

beforeAll(async () => {
  const storage = await freshStorage();
  repository = createApiKeyRepository({ db: storage.db, tableName: storage.tableName });
});

const stored = async (abilities: ('read' | 'write')[] = ['read', 'write']) => {
  const issued = issueApiKey({ teamId: 'team_a', name: 'ci', abilities, createdAtMs: 1_000 });
  await repository.create(issued.record);
  return issued;
};

const NO_EDGE = { secret: undefined, viewerAddress: undefined };

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof DomainError ? answerTo(error).status : error),
  );

describe('API keys on DynamoDB Local', () => {
  it('round-trip without the secret', async () => {
    const { key, record } = await stored();
    const found = await repository.get(record.keyId);
    expect(found).toEqual(record);
    // The whole secret: its alphabet has `_`, so the key's last `_`-separated piece can be a single
    // character, which a hash holds by chance.
    const secret = parseApiKey(key)?.secret ?? '';
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(found)).not.toContain(secret);
  });

  it('authenticate the exact key only, until revoked', async () => {
    const auth = createAuthenticator(repository);
    const { key, record } = await stored(['read']);
    expect(
      await auth.authenticate({ authorization: `Bearer ${key}`, sourceIp: '192.0.2.1', edge: NO_EDGE }),
    ).toEqual({
      kind: 'key',
      teamId: 'team_a',
      keyId: record.keyId,
      abilities: ['read'],
    });
    expect(
      await auth.authenticate({ authorization: `bearer   ${key}`, sourceIp: '192.0.2.1', edge: NO_EDGE }),
    ).toMatchObject({ keyId: record.keyId });
    expect(
      await statusOf(
        auth.authenticate({
          authorization: `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`,
          sourceIp: '192.0.2.1',
          edge: NO_EDGE,
        }),
      ),
    ).toBe(401);

    const revoked = await repository.revoke(record.keyId, 5_000);
    expect(revoked.revokedAtMs).toBe(5_000);
    expect(
      await statusOf(
        auth.authenticate({ authorization: `Bearer ${key}`, sourceIp: '192.0.2.1', edge: NO_EDGE }),
      ),
    ).toBe(401);
    // Revoking again keeps the first time.
    expect((await repository.revoke(record.keyId, 9_000)).revokedAtMs).toBe(5_000);
  });

  it('report an unknown key id as not found when revoking', async () => {
    expect(await statusOf(repository.revoke('AAAAAAAAAAAAAAAA', 1))).toBe(404);
  });
});

describe('the origin secret (AWS: requests come through the API distribution)', () => {
  const ORIGIN_SECRET = 'a-secret-that-cloudfront-adds-to-every-request';
  let behindEdge: Authenticator;
  beforeAll(() => {
    behindEdge = createAuthenticator(repository, { originSecret: async () => ORIGIN_SECRET });
  });
  const through = (edge: { secret?: string; viewerAddress?: string }, authorization?: string) => ({
    authorization,
    sourceIp: '203.0.113.9', // CloudFront's address, not the client's
    edge: { secret: edge.secret, viewerAddress: edge.viewerAddress },
  });

  it('counts an anonymous client by the address the edge vouches for', async () => {
    const caller = await behindEdge.authenticate(
      through({ secret: ORIGIN_SECRET, viewerAddress: '198.51.100.7' }),
    );
    expect(caller).toEqual({ kind: 'anonymous', client: clientBucket('198.51.100.7') });
  });

  it('authenticates keys as before when the secret is right', async () => {
    const { key, record } = await stored(['read']);
    expect(
      await behindEdge.authenticate(
        through({ secret: ORIGIN_SECRET, viewerAddress: '198.51.100.7' }, `Bearer ${key}`),
      ),
    ).toMatchObject({ kind: 'key', keyId: record.keyId });
  });

  it('refuses with 403 what did not come through the edge, even with a valid key', async () => {
    const { key } = await stored();
    for (const edge of [
      {},
      { viewerAddress: '198.51.100.7' }, // a client claiming an address around CloudFront
      { secret: `${ORIGIN_SECRET}x`, viewerAddress: '198.51.100.7' },
      { secret: ORIGIN_SECRET.slice(0, -1), viewerAddress: '198.51.100.7' },
      { secret: ORIGIN_SECRET }, // the edge always sets the address; without it, something is wrong
    ]) {
      expect(await statusOf(behindEdge.authenticate(through(edge))), JSON.stringify(edge)).toBe(403);
      expect(await statusOf(behindEdge.authenticate(through(edge, `Bearer ${key}`)))).toBe(403);
      expect(await statusOf(behindEdge.authenticate(through(edge, 'Bearer not-a-key')))).toBe(403);
    }
  });

  it('fails closed when the secret cannot be read: an error (500), never anonymous access', async () => {
    const unreadable = createAuthenticator(repository, {
      originSecret: () => Promise.reject(new Error('AccessDeniedException')),
    });
    await expect(
      unreadable.authenticate(through({ secret: ORIGIN_SECRET, viewerAddress: '198.51.100.7' })),
    ).rejects.toThrow('AccessDeniedException');
  });

  it('ignores what a client claims when no origin secret is configured (local runtime)', async () => {
    const local = createAuthenticator(repository);
    expect(await local.authenticate(through({ secret: 'anything', viewerAddress: '198.51.100.7' }))).toEqual({
      kind: 'anonymous',
      client: clientBucket('203.0.113.9'),
    });
  });
});
