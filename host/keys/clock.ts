/** Milliseconds from some fixed origin. Injected so that tests move time instead of sleeping. */
export interface Clock {
  now(): number;
}

/** Monotonic: a wall-clock jump must not expire or prolong key use. */
export const systemClock: Clock = { now: () => performance.now() };

/** A clock tests advance by hand. */
export class ManualClock implements Clock {
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
