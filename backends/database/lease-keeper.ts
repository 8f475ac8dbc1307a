import { logger } from "../../src/logger.js";
import type { QueryContext } from "./queries/context.js";
import { renewLeases } from "./queries/lease.js";
import { recoverExpiredLeases } from "./queries/recover.js";
import { isTransientDatabaseError } from "./transient.js";

/** Options of {@link startLeaseKeeper}. */
export interface LeaseKeeperOptions {
  ctx: QueryContext;
  workerId: string;
  leaseMs: number;
  recoveryIntervalMs: number;
  /** The ids this worker holds now: attempts in flight (running, or their outcome being stored) and prefetched rows. */
  held: () => string[];
  /** Called when recovery took tasks back (there is work to claim). */
  onRecovered: () => void;
}

/**
 * A worker's two timers: the heartbeat, which renews exactly the leases of the tasks the worker
 * holds, every third of a lease; and recovery, which takes back the tasks of dead workers.
 *
 * Recovery waits one lease after this worker last failed to reach the database: when the database
 * was down (or cut off) for longer than a lease, every worker's leases ran out meanwhile, and the
 * live ones need a heartbeat to renew them once it is back; taking their tasks first would run them
 * twice. A worker really dead stays unrenewed and is taken back a lease later.
 * @returns the timers, for `clearInterval`, and a function to report a database error seen elsewhere.
 */
export function startLeaseKeeper(o: LeaseKeeperOptions): { timers: NodeJS.Timeout[]; noteDatabaseError: (error: unknown) => void } {
  let lastDatabaseErrorAt = -Infinity;
  const noteDatabaseError = (error: unknown) => {
    if (isTransientDatabaseError(error)) lastDatabaseErrorAt = performance.now();
  };
  const heartbeat = setInterval(() => {
    const ids = o.held();
    if (ids.length === 0) return;
    renewLeases(o.ctx, o.workerId, ids, o.leaseMs)
      .then((renewed) => {
        if (renewed.size < ids.length) {
          const lost = ids.filter((id) => !renewed.has(id));
          logger.debug({ workerId: o.workerId, lost }, "leases not renewed: stored meanwhile, or taken back by another worker");
        }
      })
      .catch((error: unknown) => {
        noteDatabaseError(error);
        logger.warn({ err: (error as Error).message, workerId: o.workerId }, "could not renew leases; will try again");
      });
  }, Math.max(250, Math.floor(o.leaseMs / 3)));
  const recovery = setInterval(() => {
    if (performance.now() - lastDatabaseErrorAt < o.leaseMs) return;
    recoverExpiredLeases(o.ctx)
      .then((r) => {
        if (r.retried.length + r.failed.length > 0) {
          logger.warn({ workerId: o.workerId, retried: r.retried, failed: r.failed }, "took back tasks of a lost worker");
          o.onRecovered();
        }
      })
      .catch((error: unknown) => {
        noteDatabaseError(error);
        logger.warn({ err: (error as Error).message, workerId: o.workerId }, "lease recovery failed; will try again");
      });
  }, o.recoveryIntervalMs);
  heartbeat.unref();
  recovery.unref();
  return { timers: [heartbeat, recovery], noteDatabaseError };
}
