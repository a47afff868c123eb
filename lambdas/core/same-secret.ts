import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a presented secret (a key, a signature, a header) equals the expected one, in time that
 * depends on neither: both are hashed first, so the comparison always covers 32 bytes and leaks no
 * length or common prefix. The one comparison of secrets in the codebase.
 */
export const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(sha256(given), sha256(expected));

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
