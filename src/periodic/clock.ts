/**
 * The time source of the scheduler loop, injected so that tests drive it with a fake clock and no
 * real sleeps.
 */

/** A source of the current instant and of waiting. */
export interface Clock {
  /** The current instant (UTC). */
  now(): Date;
  /**
   * Resolves at `at` (or right away when it has passed), or as soon as `signal` aborts; never rejects.
   * `null`: wait until `signal` aborts.
   */
  sleepUntil(at: Date | null, signal: AbortSignal): Promise<void>;
}

/** `setTimeout` accepts at most 2^31 - 1 ms (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock: `new Date()` and `setTimeout`. A wait that ends early is fine: the loop re-checks the time. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleepUntil(at, signal) {
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const delay = at === null ? MAX_TIMER_MS : Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - Date.now()));
      const timer = setTimeout(done, delay);
      signal.addEventListener("abort", done, { once: true });
    });
  },
};
