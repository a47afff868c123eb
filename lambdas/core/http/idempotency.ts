import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { ResponseHook } from '@aws-lambda-powertools/idempotency/types';
import type { Context } from 'aws-lambda';
import type { Caller } from '#core/caller';
import { DomainError, fieldError } from '#core/errors';
import { bodyBytes, type HttpEvent, header } from '#core/http/event';
import {
  IDEMPOTENCY_CODES,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_LIFETIME_SECONDS,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  REPLAYED_HEADER,
} from '#core/http/idempotency-contract';
import { withWholeBody } from '#core/http/multipart';
import type { HttpResponse } from '#core/http/response';
import type { IdempotencyRecords } from '#core/store/idempotency-records';

/**
 * `Idempotency-Key`, with Stripe's semantics: the first request with a key does the work, and the
 * same caller sending the same key again gets that answer back instead of a second upload. Only
 * successes are kept: a refusal or a failure is thrown by the route, Powertools then deletes the
 * key's record, and the key can be used again (nothing was stored, or the error says what was not).
 */

const KEY_PATTERN = new RegExp(IDEMPOTENCY_KEY_PATTERN);

/** What Powertools is given: the record's key is hashed from scope and key, the fingerprint is compared. */
interface Attempt {
  scope: string;
  key: string;
  fingerprint: string;
}

/**
 * Whose keys these are: one API key's (never its secret), or one anonymous address's (the bucket
 * the rate limits count, an IPv4 address or an IPv6 /64). Keys of two callers never meet.
 */
const scopeOf = (caller: Caller): string =>
  caller.kind === 'key' ? `key:${caller.keyId}` : `anonymous:${caller.client}`;

const BOUNDARY = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i;

/**
 * What makes two requests the same: the route, the content type and the body's bytes — except a
 * multipart body's boundary, which clients such as curl and fetch draw anew for every request.
 * A hash of the body is all that is kept of it.
 */
const fingerprintOf = (event: HttpEvent): string => {
  const contentType = header(event, 'content-type') ?? '';
  const match = BOUNDARY.exec(contentType);
  const hash = createHash('sha256').update(`${event.routeKey}\n${contentType.replace(BOUNDARY, '')}\n`);
  const body = bodyBytes(event);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return hash.update(body).digest('base64');
  // A boundary never occurs inside the parts, so each occurrence is a delimiter.
  const delimiter = Buffer.from(`--${boundary}`);
  let from = 0;
  for (let at = body.indexOf(delimiter); at !== -1; at = body.indexOf(delimiter, from)) {
    hash.update(body.subarray(from, at)).update('--');
    from = at + delimiter.length;
  }
  return hash.update(body.subarray(from)).digest('base64');
};

/** What Powertools hands back instead of running the work: the kept answer, marked as such. */
const markReplayed: ResponseHook = (response) => {
  const kept = response as unknown as HttpResponse;
  return { ...kept, headers: { ...kept.headers, [REPLAYED_HEADER]: 'true' } };
};

/** Powertools' refusals in the API's terms; anything else (its store failing) stays a fault. */
const refusalOf = (error: unknown): unknown => {
  if (error instanceof IdempotencyValidationError) {
    const problem = 'This Idempotency-Key was already used for a different request.';
    return new DomainError('invalid_input', problem, {
      code: IDEMPOTENCY_CODES.reused,
      errors: { 'Idempotency-Key': [problem] },
    });
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new DomainError(
      'conflict',
      'A request with this Idempotency-Key is still in progress; try again shortly.',
      { code: IDEMPOTENCY_CODES.inProgress, retryAfterSeconds: 1 },
    );
  }
  return error;
};

/**
 * `maxFileBytes`: the largest file a caller may send, which bounds what a streamed body with a key
 * is read into memory before the work.
 */
export const createIdempotency = (
  records: IdempotencyRecords,
  { maxFileBytes }: { maxFileBytes: (caller: Caller) => number },
) => ({
  /**
   * The answer to `event`: `work`'s, or without doing it again, the one kept for the caller's
   * Idempotency-Key. Without the header, just `work`'s. `context` tells how long the work may be
   * in progress: a function that dies mid-way frees the key when it would have timed out. The work
   * is given the event to read: with a key, its body has been read in full.
   */
  async answer(
    caller: Caller,
    event: HttpEvent,
    context: Context,
    work: (event: HttpEvent) => Promise<HttpResponse>,
  ): Promise<HttpResponse> {
    const key = header(event, IDEMPOTENCY_KEY_HEADER);
    if (key === undefined) return work(event);
    if (!KEY_PATTERN.test(key)) {
      throw fieldError(
        'Idempotency-Key',
        `The Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters.`,
      );
    }
    const whole = await withWholeBody(event, maxFileBytes(caller));
    const attempt: Attempt = { scope: scopeOf(caller), key, fingerprint: fingerprintOf(whole) };
    // A configuration per request: it carries this invocation's context.
    const once = makeIdempotent((_attempt: Attempt) => work(whole), {
      ...records,
      config: new IdempotencyConfig({
        eventKeyJmesPath: '[scope, key]',
        payloadValidationJmesPath: 'fingerprint',
        hashFunction: 'sha256',
        expiresAfterSeconds: IDEMPOTENCY_KEY_LIFETIME_SECONDS,
        lambdaContext: context,
        responseHook: markReplayed,
      }),
    });
    try {
      return await once(attempt);
    } catch (error) {
      throw refusalOf(error);
    }
  },
});
