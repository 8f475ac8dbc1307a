import type { RunningTaskInfo } from "./task-record.js";

/** A worker seen through the tasks it holds (no store keeps a table of workers). */
export interface LiveWorker {
  /** The worker id (`<host>:<pid>:<random>` for default ids). */
  id: string;
  /** The part of the id before the first `:` (the host, for default ids). */
  host: string;
  /** Its RUNNING tasks. */
  inFlight: number;
  /** The start of its oldest running attempt: busy since then, at least (not when the process started). */
  busySince: Date | null;
  /**
   * Its last lease renewal: the latest lease deadline minus `leaseMs` (the worker renews every lease it
   * holds at once, so this is its last heartbeat while it holds a task).
   */
  lastHeartbeat: Date | null;
  /** Its latest lease deadline: after that, its tasks are taken back. */
  leaseExpiresAt: Date | null;
}

/**
 * The workers that hold RUNNING tasks, derived from those tasks' `lockedBy` and leases (errand keeps no
 * workers table: an idle worker holds nothing and is not seen). Sorted by id.
 * @param leaseMs - the backend's lease length, to turn a lease deadline into its renewal time.
 */
export function liveWorkers(running: readonly RunningTaskInfo[], leaseMs: number): LiveWorker[] {
  const byId = new Map<string, LiveWorker>();
  for (const task of running) {
    if (task.lockedBy === null) continue;
    let w = byId.get(task.lockedBy);
    if (!w) {
      const id = task.lockedBy;
      byId.set(id, (w = { id, host: id.split(":", 1)[0] ?? id, inFlight: 0, busySince: null, lastHeartbeat: null, leaseExpiresAt: null }));
    }
    w.inFlight++;
    if (task.lastAttemptedAt && (!w.busySince || task.lastAttemptedAt < w.busySince)) w.busySince = task.lastAttemptedAt;
    if (task.leaseExpiresAt && (!w.leaseExpiresAt || task.leaseExpiresAt > w.leaseExpiresAt)) {
      w.leaseExpiresAt = task.leaseExpiresAt;
      w.lastHeartbeat = new Date(task.leaseExpiresAt.getTime() - leaseMs);
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
