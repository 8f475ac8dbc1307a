import { logger } from "../logger.js";
import { withRetry } from "./retry.js";
import type { TaskStore } from "./store.js";

/** On stop, once no task function runs, how long outcomes still unstored get before the worker gives up on them. */
const FINAL_STORE_WAIT_MS = 10_000;

/** What the shutdown steps need of the worker. */
export interface ShutdownContext {
  store: TaskStore;
  workerId: string;
  isTransient: (error: unknown) => boolean;
}

/** On stop: tasks claimed but never started go straight back to READY (their attempt not counted). */
export async function releaseBuffered(c: ShutdownContext, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await withRetry(() => c.store.release(c.workerId, ids), { what: "release prefetched tasks", maxElapsedMs: 10_000, isTransient: c.isTransient });
    logger.info({ workerId: c.workerId, released: ids.length }, "returned prefetched tasks to READY");
  } catch (error) {
    logger.warn({ err: (error as Error).message, workerId: c.workerId, ids: ids.length }, "could not release prefetched tasks; they return when their lease expires");
  }
}

/** The running tasks of a worker, for {@link drainRunning}. */
export interface DrainOptions {
  workerId: string;
  /** Every task started and not yet stored (settles when it is stored, or given up on). */
  running: Map<string, Promise<void>>;
  /** The tasks whose function still runs. */
  executing: Set<string>;
  /** Whether `stop()` was called (otherwise the worker ended by itself: wait without limit). */
  stopping: boolean;
  shutdownTimeoutMs: number;
  /** Aborted at the shutdown timeout: the running tasks' signals fire and they are handed back. */
  abort: AbortController;
  /** Aborted when the worker gives up storing outcomes. */
  stopStoring: AbortController;
}

/**
 * Waits for the running tasks. On stop, after `shutdownTimeoutMs` they are aborted; once no task
 * function runs, outcomes still unstored (the store is down) get a last bounded wait; then the
 * worker gives up on them, names them, and exits: their leases expire.
 */
export async function drainRunning(d: DrainOptions): Promise<void> {
  if (d.running.size === 0) return;
  logger.info({ workerId: d.workerId, running: d.running.size, shutdownTimeoutMs: d.shutdownTimeoutMs }, "waiting for running tasks to finish");
  const all = Promise.all(d.running.values());
  if (!d.stopping) return void (await all);
  const timer = setTimeout(() => {
    if (!d.abort.signal.aborted) {
      logger.warn({ workerId: d.workerId, running: d.running.size }, "shutdown timeout: aborting running tasks");
      d.abort.abort(new Error("worker shutdown timeout"));
    }
  }, d.shutdownTimeoutMs);
  let giveUp: NodeJS.Timeout | undefined;
  const watch = setInterval(() => {
    if (d.executing.size > 0 || giveUp) return;
    giveUp = setTimeout(() => {
      if (d.running.size === 0) return;
      logger.error(
        { workerId: d.workerId, unstored: [...d.running.keys()], waitedMs: FINAL_STORE_WAIT_MS },
        "stopping with task outcomes not stored (database unreachable): these tasks stay RUNNING until their lease expires, then run again",
      );
      d.stopStoring.abort();
    }, FINAL_STORE_WAIT_MS);
  }, 100);
  try {
    await all;
  } finally {
    clearTimeout(timer);
    clearInterval(watch);
    clearTimeout(giveUp);
  }
}

/**
 * On a clean exit: tasks still RUNNING under this worker's id are in flight no more (an outcome it
 * could not store, a claim whose answer was lost). Taken back now, like recovery would after their
 * lease, so a clean exit leaves nothing RUNNING; left to their lease if the store is down.
 */
export async function takeBackOrphans(c: ShutdownContext): Promise<void> {
  try {
    const r = await withRetry(() => c.store.recoverOwn(c.workerId), { what: "take back orphaned tasks", maxElapsedMs: 2_000, isTransient: c.isTransient });
    if (r.retried.length + r.failed.length > 0) logger.warn({ workerId: c.workerId, retried: r.retried, failed: r.failed }, "took back this worker's tasks whose outcome was not stored");
  } catch (error) {
    logger.warn({ err: (error as Error).message, workerId: c.workerId }, "could not take back orphaned tasks; their leases will expire");
  }
}
