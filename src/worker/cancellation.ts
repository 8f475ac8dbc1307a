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
  /** Called with each held id found CANCELLED (possibly more than once per id). */
  onCancelled: (id: string) => void;
  /**
   * Milliseconds between checks of {@link CancelWatchOptions.held} with `TaskStore.cancelledAmong`.
   * @defaultValue 250 (2000 on a store that announces cancellations, where it is only the fallback for announcements missed while its connection was down)
   */
  intervalMs?: number;
}

/** A running cancel watch. */
export interface CancelWatch {
  /** Stops checking and unsubscribes. */
  stop(): Promise<void>;
}

/**
 * How a worker learns that a task it holds was cancelled, so it aborts the attempt within about a
 * second wherever the cancel came from: the store's announcements where it makes them (PostgreSQL
 * NOTIFY, Redis pub/sub: milliseconds), and a cheap check of the held ids every `intervalMs`
 * (one query, skipped while nothing is held): the only way on SQLite and MySQL, the fallback elsewhere.
 */
export async function startCancelWatch(o: CancelWatchOptions): Promise<CancelWatch> {
  const { store, workerId } = o;
  const pushes = store.capabilities.supportsCancelNotify === true && store.watchCancellations !== undefined;
  let unwatch: Disposer | undefined;
  if (pushes) {
    try {
      unwatch = await store.watchCancellations!((id) => o.onCancelled(id));
    } catch (error) {
      logger.warn({ err: (error as Error).message, workerId }, "could not subscribe to cancellations; checking for them by polling");
    }
  }
  const intervalMs = o.intervalMs ?? (unwatch ? 2000 : 250);
  let checking = false;
  const timer = setInterval(() => {
    const ids = o.held();
    if (ids.length === 0 || checking) return;
    checking = true;
    store
      .cancelledAmong(ids)
      .then((cancelled) => {
        for (const id of cancelled) o.onCancelled(id);
      })
      .catch((error: unknown) => logger.debug({ err: (error as Error).message, workerId }, "could not check for cancellations; will try again"))
      .finally(() => (checking = false));
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await unwatch?.();
    },
  };
}
