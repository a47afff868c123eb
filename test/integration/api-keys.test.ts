import { beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '#core/api-keys/api-key';
import { createAuthenticator } from '#core/api-keys/auth';
import { createApiKeyRepository } from '#core/api-keys/repository';
import { AppError } from '#core/errors';
import { freshStorage } from '#test/backends-clients';

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

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof AppError ? error.status : error),
  );

describe('API keys on DynamoDB Local', () => {
  it('round-trip without the secret', async () => {
    const { key, record } = await stored();
    const found = await repository.get(record.keyId);
    expect(found).toEqual(record);
    expect(JSON.stringify(found)).not.toContain(key.split('_').at(-1));
  });

  it('authenticate the exact key only, until revoked', async () => {
    const auth = createAuthenticator(repository);
    const { key, record } = await stored(['read']);
    expect(await auth.authenticate({ authorization: `Bearer ${key}`, sourceIp: '192.0.2.1' })).toEqual({
      kind: 'key',
      teamId: 'team_a',
      keyId: record.keyId,
      abilities: ['read'],
    });
    expect(
      await auth.authenticate({ authorization: `bearer   ${key}`, sourceIp: '192.0.2.1' }),
    ).toMatchObject({ keyId: record.keyId });
    expect(
      await statusOf(
        auth.authenticate({
          authorization: `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`,
          sourceIp: '192.0.2.1',
        }),
      ),
    ).toBe(401);

    const revoked = await repository.revoke(record.keyId, 5_000);
    expect(revoked.revokedAtMs).toBe(5_000);
    expect(await statusOf(auth.authenticate({ authorization: `Bearer ${key}`, sourceIp: '192.0.2.1' }))).toBe(
      401,
    );
    // Revoking again keeps the first time.
    expect((await repository.revoke(record.keyId, 9_000)).revokedAtMs).toBe(5_000);
  });

  it('report an unknown key id as not found when revoking', async () => {
    expect(await statusOf(repository.revoke('AAAAAAAAAAAAAAAA', 1))).toBe(404);
  });
});
