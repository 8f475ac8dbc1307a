import { TaskCancelledError } from "../errors.js";
import { logger } from "../logger.js";
import type { Disposer, TaskStore } from "./store.js";

/**
 * The attempts a worker runs now that a cancellation can abort (DESIGN §7): each attempt attaches
 * the function that aborts it (`invokeTask`'s `abortable`) and detaches when it ends, learning then
 * whether it was cancelled. A Map lookup per start and end, nothing per attempt otherwise.
 */
export class Cancellations {
  readonly #aborts = new Map<string, (reason: unknown) => void>();
  readonly #cancelled = new Set<string>();

  /** Registers the abort function of the running attempt of task `id`. */
  attach(id: string, abort: (reason: unknown) => void): void {
    this.#aborts.set(id, abort);
  }

  /** Unregisters the attempt of task `id`; returns whether it was cancelled while it ran. */
  detach(id: string): boolean {
    this.#aborts.delete(id);
    return this.#cancelled.delete(id);
  }

  /**
   * Aborts the running attempt of task `id` with a {@link TaskCancelledError} (its context's signal
   * aborts with that reason). Idempotent.
   * @returns whether an attempt of `id` runs here.
   */
  cancel(id: string): boolean {
    const abort = this.#aborts.get(id);
    if (!abort) return false;
    if (!this.#cancelled.has(id)) {
      this.#cancelled.add(id);
      abort(new TaskCancelledError(id));
    }
    return true;
  }
}

/** Options of {@link startCancelWatch}. */
export interface CancelWatchOptions {
  store: TaskStore;
  workerId: string;
  /** The ids to check: the worker's running and prefetched tasks. */
  held: () => string[];
  /** Called with each held id found CANCELLED (possibly more than once per id, and with ids not held). */
  onCancelled: (id: string) => void;
  /**
   * Milliseconds between checks of {@link CancelWatchOptions.held} with `TaskStore.cancelledAmong`
   * while the store's announcements are not flowing. @defaultValue 250
   */
  intervalMs?: number;
  /** Milliseconds between those checks while announcements flow (the fallback for ones missed). @defaultValue 2000 */
  announcedIntervalMs?: number;
}

/** A running cancel watch. */
export interface CancelWatch {
  /** Stops checking and unsubscribes. */
  stop(): Promise<void>;
}

/**
 * How a worker learns that a task it holds was cancelled, so it aborts the attempt within about a
 * second wherever the cancel came from: the store's announcements where it makes them (PostgreSQL
 * NOTIFY, Redis pub/sub: milliseconds), and a cheap check of the held ids (one query, skipped while
 * nothing is held) every 250 ms: the only way on SQLite and MySQL, and on the others until the
 * subscription is up, then every 2 s as the fallback. Subscribing happens in the background, so a
 * store that is slow to answer never delays the worker.
 */
export function startCancelWatch(o: CancelWatchOptions): CancelWatch {
  const { store, workerId } = o;
  const fastMs = o.intervalMs ?? 250;
  const slowMs = o.announcedIntervalMs ?? 2000;
  let stopped = false;
  let unwatch: Disposer | undefined;
  const subscribed =
    store.capabilities.supportsCancelNotify === true && store.watchCancellations
      ? store.watchCancellations((id) => o.onCancelled(id)).then(
          async (dispose) => {
            if (stopped) await dispose();
            else unwatch = dispose;
          },
          (error: unknown) => logger.warn({ err: (error as Error).message, workerId }, "could not subscribe to cancellations; checking for them by polling"),
        )
      : Promise.resolve();
  let checking = false;
  let lastCheck = 0;
  const timer = setInterval(() => {
    if (checking || performance.now() - lastCheck < (unwatch ? slowMs : fastMs) - 5) return;
    const ids = o.held();
    if (ids.length === 0) return;
    checking = true;
    lastCheck = performance.now();
    store
      .cancelledAmong(ids)
      .then((cancelled) => {
        for (const id of cancelled) o.onCancelled(id);
      })
      .catch((error: unknown) => logger.debug({ err: (error as Error).message, workerId }, "could not check for cancellations; will try again"))
      .finally(() => (checking = false));
  }, fastMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      // Waits for a subscription under way only briefly: a store that never answers must not hold up the exit.
      await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      await unwatch?.();
      unwatch = undefined;
    },
  };
}
