/**
 * Waits before retry number `attempt` (from 1): a random time below an exponential ceiling ("full
 * jitter"), so requests that collided spread out rather than collide again in step.
 */
export const backoff = (attempt: number, { baseMs = 25, capMs = 1000 } = {}): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(capMs, baseMs * 2 ** attempt)));
