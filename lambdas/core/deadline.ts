/**
 * The time a request has left to answer in. Lambda ends a function at its timeout wherever it is,
 * and API Gateway gives up at 30 s, so a request plans its slow steps against this rather than
 * against fixed timeouts of its own.
 *
 * `signal` aborts when the answer is due: the handler's stack then answers with an error, so work
 * still running has been answered for and must not commit anything (it checks the signal before
 * every write that would make the error a lie).
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Milliseconds left before the answer is due. */
  remainingMs(): number;
}

/** For callers outside a request (the cleanup job, tests of a service on its own). */
export const NO_DEADLINE: Deadline = {
  signal: new AbortController().signal,
  remainingMs: () => Number.POSITIVE_INFINITY,
};

/**
 * A signal for a step that must leave `reserveMs` for the steps after it: it aborts that long before
 * the deadline (or with it).
 */
export const leavingTime = (deadline: Deadline, reserveMs: number): AbortSignal => {
  const left = deadline.remainingMs() - reserveMs;
  return Number.isFinite(left)
    ? AbortSignal.any([deadline.signal, AbortSignal.timeout(Math.max(0, left))])
    : deadline.signal;
};
