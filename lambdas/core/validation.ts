import type * as z from 'zod/mini';
import { type FieldErrors, invalidInput } from '#core/errors';

/** Field-level zod issues → the `errors` map of a 422 (`{ "caption": ["…"] }`). */
export const fieldErrorsOf = (error: z.core.$ZodError): FieldErrors => {
  // Field names are the caller's: a prototype-less map keeps `constructor` or `__proto__` plain keys.
  const errors: FieldErrors = Object.create(null);
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
    errors[field] = [...(Object.hasOwn(errors, field) ? (errors[field] ?? []) : []), issue.message];
  }
  return errors;
};

/** Parse with a schema at the edge; any problem becomes one 422 naming every bad field. */
export const parseOrThrow = <T extends z.ZodMiniType>(schema: T, input: unknown): z.output<T> => {
  const result = schema.safeParse(input);
  if (!result.success) throw invalidInput(fieldErrorsOf(result.error));
  return result.data;
};
