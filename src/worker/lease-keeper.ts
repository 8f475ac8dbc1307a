import { logger } from "../logger.js";
import type { TaskStore } from "./store.js";

/** Options of {@link startLeaseKeeper}. */
export interface LeaseKeeperOptions {
  store: TaskStore;
  workerId: string;
  leaseMs: number;
  recoveryIntervalMs: number;
  /** The ids this worker holds now: attempts in flight (running, or their outcome being stored) and prefetched tasks. */
  held: () => string[];
  /** Called when recovery took tasks back (there is work to claim). */
  onRecovered: () => void;
}

/** A running lease keeper. */
export interface LeaseKeeper {
  /** Stops both timers. */
  stop(): void;
  /** Reports a store error seen elsewhere (a claim): a transient one postpones recovery by a lease. */
  noteStoreError(error: unknown): void;
}

/**
 * A worker's two timers: the heartbeat, which renews exactly the leases of the tasks the worker
 * holds, every third of a lease; and recovery, which takes back the tasks of dead workers.
 *
 * Recovery waits one lease after this worker last failed to reach the store: when the store was
 * down (or cut off) for longer than a lease, every worker's leases ran out meanwhile, and the live
 * ones need a heartbeat to renew them once it is back; taking their tasks first would run them
 * twice. A worker really dead stays unrenewed and is taken back a lease later.
 */
export function startLeaseKeeper(o: LeaseKeeperOptions): LeaseKeeper {
  const { store, workerId } = o;
  let lastStoreErrorAt = -Infinity;
  const noteStoreError = (error: unknown) => {
    if (store.isTransient(error)) lastStoreErrorAt = performance.now();
  };
  const heartbeat = setInterval(() => {
    const ids = o.held();
    if (ids.length === 0) return;
    store
      .renewLeases(workerId, ids, o.leaseMs)
      .then((renewed) => {
        if (renewed.size < ids.length) {
          const lost = ids.filter((id) => !renewed.has(id));
          logger.debug({ workerId, lost }, "leases not renewed: stored meanwhile, or taken back by another worker");
        }
      })
      .catch((error: unknown) => {
        noteStoreError(error);
        logger.warn({ err: (error as Error).message, workerId }, "could not renew leases; will try again");
      });
  }, Math.max(250, Math.floor(o.leaseMs / 3)));
  const recovery = setInterval(() => {
    if (performance.now() - lastStoreErrorAt < o.leaseMs) return;
    store
      .recoverExpired()
      .then((r) => {
        if (r.retried.length + r.failed.length > 0) {
          logger.warn({ workerId, retried: r.retried, failed: r.failed }, "took back tasks of a lost worker");
          o.onRecovered();
        }
      })
      .catch((error: unknown) => {
        noteStoreError(error);
        logger.warn({ err: (error as Error).message, workerId }, "lease recovery failed; will try again");
      });
  }, o.recoveryIntervalMs);
  heartbeat.unref();
  recovery.unref();
  return {
    stop: () => {
      clearInterval(heartbeat);
      clearInterval(recovery);
    },
    noteStoreError,
  };
}
