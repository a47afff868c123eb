import { type Ability, parseApiKey, secretMatches } from '#core/api-keys/api-key';
import type { ApiKeyRepository } from '#core/api-keys/repository';
import { forbidden, unauthorized } from '#core/errors';
import { clientBucket } from '#core/quotas/rate-limits';

/** Who is calling: a team's key, or an anonymous client known only by its network address. */
export type Caller =
  | { kind: 'anonymous'; client: string }
  | { kind: 'key'; teamId: string; keyId: string; abilities: Ability[] };

/** For read paths that never count anything per client (the viewer). */
export const ANONYMOUS: Caller = { kind: 'anonymous', client: 'viewer' };

export interface Authenticator {
  /**
   * Anonymous when no Authorization header is sent. A header that is sent but not a valid, live
   * key is always 401 — also where anonymous use is allowed, so a typo never silently downgrades.
   */
  authenticate(credentials: { authorization: string | undefined; sourceIp: string }): Promise<Caller>;
}

export const createAuthenticator = (apiKeys: ApiKeyRepository): Authenticator => ({
  async authenticate({ authorization, sourceIp }) {
    if (authorization === undefined) return { kind: 'anonymous', client: clientBucket(sourceIp) };
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    const parsed = match?.[1] ? parseApiKey(match[1]) : undefined;
    if (!parsed) throw unauthorized();
    const record = await apiKeys.get(parsed.keyId);
    if (!record || record.revokedAtMs !== undefined || !secretMatches(record, parsed.secret))
      throw unauthorized();
    return { kind: 'key', teamId: record.teamId, keyId: record.keyId, abilities: record.abilities };
  },
});

/** The caller must hold a key with `ability`: 401 without a key, 403 with a key that lacks it. */
export const requireAbility = (caller: Caller, ability: Ability): Extract<Caller, { kind: 'key' }> => {
  if (caller.kind !== 'key') throw unauthorized('This endpoint requires an API key.');
  if (!caller.abilities.includes(ability)) throw forbidden(`This API key lacks the "${ability}" ability.`);
  return caller;
};

/** Like requireAbility, but anonymous callers pass (endpoints that work without a key). */
export const allowAnonymousOr = (caller: Caller, ability: Ability): Caller =>
  caller.kind === 'anonymous' ? caller : requireAbility(caller, ability);
