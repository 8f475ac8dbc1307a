import { setTimeout as sleep } from "node:timers/promises";
import { logger } from "../logger.js";

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** What is being done, for the log line. */
  what: string;
  /** Whether an error is worth retrying (the store's `isTransient`); others are thrown at once. */
  isTransient: (error: unknown) => boolean;
  /** Give up (rethrow) after this many milliseconds of retrying. @defaultValue Infinity */
  maxElapsedMs?: number;
  /** Stop retrying when aborted (the last error is rethrown). */
  signal?: AbortSignal;
}

/**
 * Exponential back-off between retries: 100 ms doubling to 5 s, jittered (half to all of the
 * current delay), so many workers reconnecting to a restarted store do not arrive in step.
 */
export class Backoff {
  readonly #started = Date.now();
  #delay = 100;
  #attempt = 0;

  constructor(private readonly options: Omit<RetryOptions, "isTransient">) {}

  /** Whether retrying should end now: the time is up or the signal aborted. */
  get exhausted(): boolean {
    return Date.now() - this.#started >= (this.options.maxElapsedMs ?? Infinity) || this.options.signal?.aborted === true;
  }

  /** Logs the retry and waits (returns early when the signal aborts). */
  async wait(error: unknown): Promise<void> {
    this.#attempt++;
    const wait = Math.round(this.#delay / 2 + Math.random() * (this.#delay / 2));
    // The wording is what operators (and the CLI tests) look for in the logs of every store.
    logger.warn({ err: (error as Error)?.message ?? String(error), what: this.options.what, attempt: this.#attempt, retryInMs: wait }, "database unavailable; retrying");
    await sleep(wait, undefined, { signal: this.options.signal }).catch(() => undefined);
    this.#delay = Math.min(5000, this.#delay * 2);
  }
}

/**
 * Runs `fn`, retrying errors the store calls transient with exponential back-off, logging each
 * retry. Other errors are thrown at once.
 * @throws the last error when it is not transient, the time is up, or the signal aborted.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const backoff = new Backoff(options);
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!options.isTransient(error) || backoff.exhausted) throw error;
      await backoff.wait(error);
    }
  }
}
