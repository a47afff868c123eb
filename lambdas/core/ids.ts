import { customAlphabet } from 'nanoid';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Media ids: 14 base62 characters ≈ 83 random bits — unguessable, URL-safe, not time-ordered. */
export const newMediaId = customAlphabet(BASE62, 14);

const sixteen = customAlphabet(BASE62, 16);

export const newTeamId = (): string => `team_${sixteen()}`;

/** API key ids: public (they name a key), 16 base62 characters. */
export const newKeyId = sixteen;

export const isMediaId = (value: string): boolean => /^[0-9A-Za-z]{14}$/.test(value);
