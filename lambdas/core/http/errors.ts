import { DomainError, type ErrorKind } from '#core/errors';
import { usageBody } from '#core/http/bodies';
import type { ErrorBody } from '#core/http/contract';
import { quotaHeaders } from '#core/http/headers';
import { type HttpResponse, json } from '#core/http/response';
import { logger } from '#core/platform/logger';

/** How the API answers each kind of domain error: its status and the contract's error code. */
const ANSWERS: Record<ErrorKind, { status: number; code: string }> = {
  invalid_input: { status: 422, code: 'validation_error' },
  unauthenticated: { status: 401, code: 'unauthorized' },
  forbidden: { status: 403, code: 'forbidden' },
  not_found: { status: 404, code: 'not_found' },
  conflict: { status: 409, code: 'conflict' },
  quota_exceeded: { status: 403, code: 'quota_exceeded' },
  rate_limited: { status: 429, code: 'rate_limited' },
  upstream_failed: { status: 502, code: 'fetch_failed' },
  upstream_timeout: { status: 504, code: 'fetch_failed' },
  too_large: { status: 413, code: 'payload_too_large' },
};

const GENERIC_FAILURE = 'Something went wrong on our side. Please try again.';

/**
 * The one place an error becomes an answer, in the contract's shape `{ error, message, errors?,
 * action?, …, request_id }`. A domain error says what the caller can act on; anything else is a
 * fault: logged with its details, answered with a generic message and `failureCode`.
 */
export const errorResponse = (error: unknown, requestId: string, failureCode: string): HttpResponse => {
  if (error instanceof DomainError) {
    const { status, code } = ANSWERS[error.kind];
    const { details } = error;
    logger.info('request refused', { status, code: details.code ?? code });
    const body: ErrorBody = {
      error: details.code ?? code,
      message: error.message,
      ...(details.errors && { errors: details.errors }),
      ...(details.action && { action: details.action }),
      // A team refused for its quota is told where it stands.
      ...(error.kind === 'quota_exceeded' &&
        details.quota?.kind === 'team' && { usage: usageBody(details.quota) }),
      request_id: requestId,
    };
    return json(status, body, {
      ...(details.quota && quotaHeaders(details.quota)),
      ...(details.retryAfterSeconds !== undefined && { 'retry-after': String(details.retryAfterSeconds) }),
    });
  }
  // Internals (SDK messages, stack, upstream bodies) go to the log only.
  logger.error('request failed', { error: error as Error });
  const body: ErrorBody = { error: failureCode, message: GENERIC_FAILURE, request_id: requestId };
  return json(500, body);
};
