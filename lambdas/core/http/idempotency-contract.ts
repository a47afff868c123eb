/**
 * What clients are told of Idempotency-Key (the OpenAPI document reads this too, without loading
 * Powertools): the header, its limits, how long a key is kept, and the codes of its refusals.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** On a replayed answer: the work was not done again. Stripe's name. */
export const REPLAYED_HEADER = 'idempotent-replayed';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** Printable ASCII only: what every HTTP stack carries unchanged. */
export const IDEMPOTENCY_KEY_PATTERN = `^[\\x20-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`;
export const IDEMPOTENCY_KEY_LIFETIME_SECONDS = 24 * 60 * 60;
export const IDEMPOTENCY_CODES = {
  reused: 'idempotency_key_reused',
  inProgress: 'idempotency_key_in_progress',
} as const;
