import { expect } from 'vitest';
import { DomainError, type FieldErrors } from '#core/errors';
import { errorResponse } from '#core/http/errors';

/** How the API would answer `error`: a domain error, seen through the one HTTP mapping. */
export const answerTo = (error: unknown) => {
  expect(error).toBeInstanceOf(DomainError);
  const response = errorResponse(error, 'test', 'internal_error');
  const body = JSON.parse(response.body ?? '{}') as { error: string; message: string; errors?: FieldErrors };
  return { status: response.statusCode, code: body.error, errors: body.errors, message: body.message };
};
