import type { Clock } from '#core/clock';

/** Real time plus an offset the test moves forward: expiry and month ends without waiting. */
export class TravellingClock implements Clock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
