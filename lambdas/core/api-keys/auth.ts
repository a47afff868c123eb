import { parseApiKey, secretMatches } from '#core/api-keys/api-key';
import type { ApiKeyRepository } from '#core/api-keys/repository';
import type { Caller } from '#core/caller';
import { forbidden, unauthenticated } from '#core/errors';
import type { SecretSource } from '#core/platform/secrets';
import { clientBucket } from '#core/quotas/rate-limits';
import { sameSecret } from '#core/same-secret';

export interface Credentials {
  authorization: string | undefined;
  /** The network peer: the client locally, CloudFront on AWS. */
  sourceIp: string;
  /** What the API's distribution adds: its secret, and the client's address it saw. */
  edge: { secret: string | undefined; viewerAddress: string | undefined };
}

export interface Authenticator {
  /**
   * Anonymous when no Authorization header is sent. A header that is sent but not a valid, live
   * key is always 401 — also where anonymous use is allowed, so a typo never silently downgrades.
   * With an origin secret configured, a request that does not carry it is 403 whatever else it has.
   */
  authenticate(credentials: Credentials): Promise<Caller>;
}

export const createAuthenticator = (
  apiKeys: ApiKeyRepository,
  options: {
    /** The API's distribution's secret (AWS); without it, the network peer is the client (local). */
    originSecret?: SecretSource;
    /** Keys revoked with a grace period work until then (`admin key rotate --grace`). */
    nowMs?: () => number;
  } = {},
): Authenticator => {
  /** Who to count an anonymous request against: only an address the edge vouches for, on AWS. */
  const clientAddress = async ({ sourceIp, edge }: Credentials): Promise<string> => {
    if (!options.originSecret) return sourceIp;
    const expected = await options.originSecret();
    if (edge.secret === undefined || !sameSecret(edge.secret, expected) || !edge.viewerAddress)
      throw forbidden('Call the API at its published URL (the stack’s ApiUrl output), not at API Gateway’s.');
    return edge.viewerAddress;
  };
  return {
    async authenticate(credentials) {
      const { authorization } = credentials;
      // Checked alongside the key lookup (a cold start's secret read overlaps it), and decided first:
      // a request from around the edge is 403 whatever its key.
      const address = clientAddress(credentials);
      if (authorization === undefined) return { kind: 'anonymous', client: clientBucket(await address) };
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      const parsed = match?.[1] ? parseApiKey(match[1]) : undefined;
      const [checked, found] = await Promise.allSettled([address, parsed && apiKeys.get(parsed.keyId)]);
      if (checked.status === 'rejected') throw checked.reason;
      if (found.status === 'rejected') throw found.reason;
      const record = found.value;
      const revoked =
        record?.revokedAtMs !== undefined && record.revokedAtMs <= (options.nowMs ?? Date.now)();
      if (!parsed || !record || revoked || !secretMatches(record, parsed.secret)) throw unauthenticated();
      return { kind: 'key', teamId: record.teamId, keyId: record.keyId, abilities: record.abilities };
    },
  };
};
