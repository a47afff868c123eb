/**
 * The one error contract (reference "Error Format"). Domain code throws these; the HTTP error
 * middleware turns any of them into `{ error, message, errors?, action?, ... }` with `status`.
 * Anything that is not an AppError becomes a generic 500 whose details only reach the log.
 */
export type FieldErrors = Record<string, string[]>;

export type ErrorAction =
  | { type: 'upgrade'; url: string; label: string }
  | { type: 'wait'; seconds: number; label?: string };

export interface AppErrorOptions {
  errors?: FieldErrors;
  action?: ErrorAction;
  headers?: Record<string, string>;
  /** Extra top-level fields of the error body (e.g. `usage` on quota errors). */
  extra?: Record<string, unknown>;
  cause?: unknown;
  /** Show `message` to the client; defaults to true below 500. */
  expose?: boolean;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** Whether `message` may be shown to the client. 5xx messages never are. */
  readonly expose: boolean;
  readonly errors: FieldErrors | undefined;
  readonly action: ErrorAction | undefined;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(status: number, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.expose = options.expose ?? status < 500;
    this.errors = options.errors;
    this.action = options.action;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

/** 422 with a field-level `errors` map; `field` names the request field at fault. */
export const validationError = (errors: FieldErrors, message = 'The request is invalid.'): AppError =>
  new AppError(422, 'validation_error', message, { errors });

export const fieldError = (field: string, problem: string): AppError =>
  validationError({ [field]: [problem] }, problem);

export const unauthorized = (message = 'Missing or invalid API key.'): AppError =>
  new AppError(401, 'unauthorized', message);

export const forbidden = (message: string): AppError => new AppError(403, 'forbidden', message);

export const notFound = (message = 'Not found.'): AppError => new AppError(404, 'not_found', message);
