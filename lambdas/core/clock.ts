/** Time as the domain sees it: injectable so expiry and month boundaries can be tested. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);
