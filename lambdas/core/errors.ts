import type { QuotaState } from '#core/quotas/state';

/**
 * What can go wrong that the caller can act on, in the domain's terms. Services and the adapters
 * below them throw these; the HTTP layer alone decides how each kind is answered
 * (`core/http/errors.ts`: status, the contract's error code, headers). Anything else thrown is a
 * fault: a generic 500 whose details reach only the log.
 */
export type FieldErrors = Record<string, string[]>;

/** A signed one-click link to the next plan. */
export interface UpgradeAction {
  type: 'upgrade';
  url: string;
  label: string;
}

/**
 * Asking the operator (`OPERATOR_CONTACT`: an address or a page) for `what`; without a contact, the
 * advice alone.
 */
export const contactAction = (contact: string | undefined, what: string): ErrorAction =>
  contact
    ? {
        type: 'contact',
        label: `Ask the operator for ${what}: ${contact}`,
        url: contact.includes('@') && !contact.includes('://') ? `mailto:${contact}` : contact,
      }
    : { type: 'contact', label: `Ask the operator of this service for ${what}.` };

export type ErrorAction =
  | UpgradeAction
  | { type: 'wait'; seconds: number; label?: string }
  /** Only a person can help: the operator, at `url` when there is one (mailto: or a page). */
  | { type: 'contact'; label: string; url?: string };

export type ErrorKind =
  /** The request cannot be accepted as it is; `errors` says which field and why. */
  | 'invalid_input'
  /** No valid credentials where they are needed (or wrong ones anywhere). */
  | 'unauthenticated'
  /** Valid credentials without the right to do this. */
  | 'forbidden'
  /** Missing, deleted, expired, private or someone else's: the caller cannot tell which. */
  | 'not_found'
  /** A uniqueness guard refused the write (an external id already in use). */
  | 'conflict'
  /** The team's plan allows no more (monthly uploads or storage). */
  | 'quota_exceeded'
  /** An anonymous client has used its uploads for now. */
  | 'rate_limited'
  /** A remote resource we were asked to fetch failed or answered badly. */
  | 'upstream_failed'
  /** A remote resource we were asked to fetch did not answer in time. */
  | 'upstream_timeout'
  /** The request is larger than the route takes. */
  | 'too_large';

export interface DomainErrorDetails {
  /** The contract's error code where it is more precise than the kind's (`external_id_duplicate`). */
  code?: string;
  errors?: FieldErrors;
  action?: ErrorAction;
  /** The quota or rate-limit state behind a refusal. */
  quota?: QuotaState;
  /** When trying again can succeed. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly details: Omit<DomainErrorDetails, 'cause'>;

  constructor(kind: ErrorKind, message: string, { cause, ...details }: DomainErrorDetails = {}) {
    super(message, { cause });
    this.name = 'DomainError';
    this.kind = kind;
    this.details = details;
  }
}

/** The most field problems one answer lists, and the longest name and message it repeats. */
export const ERRORS_LIMIT = { fields: 30, messages: 3, chars: 300 };

/**
 * Every field problem at once, within ERRORS_LIMIT: a request cannot make its answer larger than
 * itself (100,000 bad names in 1 MB must not come back as 10 MB). The message says how many there
 * were when not all are listed.
 */
export const invalidInput = (errors: FieldErrors, message = 'The request is invalid.'): DomainError => {
  const all = Object.entries(errors);
  const shown = Object.fromEntries(
    all
      .slice(0, ERRORS_LIMIT.fields)
      .map(([field, problems]) => [
        field.slice(0, ERRORS_LIMIT.chars),
        problems.slice(0, ERRORS_LIMIT.messages).map((problem) => problem.slice(0, ERRORS_LIMIT.chars)),
      ]),
  );
  const counted =
    all.length > ERRORS_LIMIT.fields ? ` (${ERRORS_LIMIT.fields} of ${all.length} fields listed)` : '';
  return new DomainError('invalid_input', `${message.slice(0, ERRORS_LIMIT.chars)}${counted}`, {
    errors: shown,
  });
};

export const fieldError = (field: string, problem: string): DomainError =>
  invalidInput({ [field]: [problem] }, problem);

export const unauthenticated = (message = 'Missing or invalid API key.'): DomainError =>
  new DomainError('unauthenticated', message);

export const forbidden = (message: string): DomainError => new DomainError('forbidden', message);

export const notFound = (message = 'Not found.'): DomainError => new DomainError('not_found', message);
