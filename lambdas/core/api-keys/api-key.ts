import { createHash, randomBytes } from 'node:crypto';
import { newKeyId } from '#core/ids';
import { sameSecret } from '#core/same-secret';

/**
 * API keys look like `imgpro_<key id>_<secret>`. The key id is public (it names the key in the admin
 * CLI and locates its item); the secret is 256 random bits, stored only as its SHA-256 hash and
 * compared in constant time.
 */
export const ABILITIES = ['read', 'write'] as const;
export type Ability = (typeof ABILITIES)[number];

export interface ApiKey {
  keyId: string;
  teamId: string;
  name: string | undefined;
  abilities: Ability[];
  secretHash: string;
  createdAtMs: number;
  revokedAtMs: number | undefined;
}

const PREFIX = 'imgpro';
const KEY_PATTERN = /^imgpro_([0-9A-Za-z]{16})_([A-Za-z0-9_-]{43})$/;

const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** A new key: the secret to show once, and the record to store (which cannot recreate it). */
export const issueApiKey = (
  fields: Pick<ApiKey, 'teamId' | 'name' | 'abilities' | 'createdAtMs'>,
): { key: string; record: ApiKey } => {
  const keyId = newKeyId();
  const secret = randomBytes(32).toString('base64url');
  return {
    key: `${PREFIX}_${keyId}_${secret}`,
    record: { ...fields, keyId, secretHash: hashSecret(secret), revokedAtMs: undefined },
  };
};

/** Splits a presented key; undefined when it cannot be one of ours. */
export const parseApiKey = (presented: string): { keyId: string; secret: string } | undefined => {
  const match = KEY_PATTERN.exec(presented);
  return match?.[1] && match[2] ? { keyId: match[1], secret: match[2] } : undefined;
};

export const secretMatches = (record: Pick<ApiKey, 'secretHash'>, secret: string): boolean =>
  sameSecret(hashSecret(secret), record.secretHash);
