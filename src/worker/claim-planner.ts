/**
 * The worker loop's decisions, as pure functions (no I/O, no timers, no clock): whether to claim
 * and how many, when to sleep and until what, when to stop. The rules are the database worker's
 * as they stood when they were extracted (backends/database/worker.ts `run()`), unchanged, so the
 * loop that calls these behaves exactly as before; `test/worker/claim-planner.test.ts` pins them.
 *
 * The loop: start buffered tasks on free slots, ask {@link planNext}, do what it says (claim,
 * sleep or exit), and ask again, passing the claim just made as `lastClaim` (`null` after a
 * sleep).
 */

/** What the worker looks like right now. Counts are whole numbers >= 0. */
export interface WorkerLoad {
  /** Task functions that may run at once (>= 1). */
  concurrency: number;
  /** Tasks that may be claimed ahead of free slots and held in the buffer (>= 0). */
  prefetch: number;
  /** Task functions running now: the slots in use. */
  executing: number;
  /** Claimed tasks waiting in the buffer for a free slot. */
  buffered: number;
  /** Ended tasks whose outcome is waiting to be stored (they stay leased until it is). */
  storing: number;
  /** Claiming pauses while `storing` is at least this (see {@link maxStoringFor}). */
  maxStoring: number;
  /** Tasks this worker may still claim (`maxTasks` minus those claimed); `Infinity` without a limit. */
  claimsLeft: number;
  /** `stop()` was called. */
  stopping: boolean;
  /** Batch mode: exit once nothing is due and nothing runs. */
  batch: boolean;
  /**
   * The claim made since the last sleep, if any: how many were asked for, how many came, and
   * whether a task settled (its outcome stored) while the claim ran. A claim skips rows locked by a
   * concurrent outcome store, so a retry stored meanwhile is only seen by the next claim.
   */
  lastClaim: { limit: number; claimed: number; settledDuring?: boolean } | null;
}

/** Why the planner claims, or why it does not (back-pressure and limits). */
export type ClaimReason =
  /** Claim: a slot is free. */
  | "slot-free"
  /** Claim: every slot is busy, but the prefetch buffer has fallen to half or below. */
  | "refill-buffer"
  /** Don't: stopping. */
  | "stopping"
  /** Don't: `maxTasks` tasks were claimed. */
  | "max-tasks"
  /** Don't: too many ended tasks wait for their outcome to be stored (the store is slower than the tasks). */
  | "storing"
  /** Don't: every slot is busy and the buffer is full. */
  | "no-room"
  /** Don't: every slot is busy and the buffer is still more than half full. */
  | "buffer-above-half";

/** How many tasks to claim now (`limit` 0: none) and why. */
export interface ClaimPlan {
  limit: number;
  reason: ClaimReason;
}

/** The next thing the loop does. */
export type WorkerStep =
  | { kind: "claim"; limit: number; reason: "slot-free" | "refill-buffer" }
  /**
   * Sleep until woken (a slot frees, an outcome is stored, a wake-up from the store, `stop()`), or
   * also until the poll interval passes (`until: "interval"`).
   */
  | { kind: "sleep"; until: "woken" | "interval"; reason: ClaimReason | "nothing-due" }
  | { kind: "exit"; reason: "stopped" | "max-tasks" | "drained" };

/** The default storing bound: 500, or the tasks one worker can hold at once when that is more. */
export function maxStoringFor(concurrency: number, prefetch: number): number {
  return Math.max(500, concurrency + prefetch);
}

/**
 * How many tasks to claim now. Room is the free slots plus the free part of the buffer; a claim
 * fills it when a slot is free, or when the buffer has fallen to half, so one claim serves many
 * tasks; none while too many outcomes wait to be stored, and never more than `claimsLeft`.
 */
export function planClaim(load: WorkerLoad): ClaimPlan {
  const { concurrency, prefetch, executing, buffered } = load;
  if (load.stopping) return { limit: 0, reason: "stopping" };
  if (load.claimsLeft <= 0) return { limit: 0, reason: "max-tasks" };
  if (load.storing >= load.maxStoring) return { limit: 0, reason: "storing" };
  const room = concurrency - executing + prefetch - buffered;
  if (room <= 0) return { limit: 0, reason: "no-room" };
  const slotFree = executing < concurrency;
  if (!slotFree && buffered > prefetch / 2) return { limit: 0, reason: "buffer-above-half" };
  return { limit: Math.min(room, load.claimsLeft), reason: slotFree ? "slot-free" : "refill-buffer" };
}

/**
 * Whether to look again at once: a claim filled its limit (more may be due), or a task settled
 * while it ran (its stored outcome, e.g. a retry due now, may have been skipped as locked).
 */
function looksAgain(claim: WorkerLoad["lastClaim"]): boolean {
  return claim !== null && ((claim.claimed > 0 && claim.claimed === claim.limit) || claim.settledDuring === true);
}

/**
 * The loop's next step. After a full claim, or one during which a task settled, the loop plans
 * afresh (more may be due); after another partial or empty claim it does not claim again before
 * sleeping.
 */
export function planNext(load: WorkerLoad): WorkerStep {
  if (load.stopping) return { kind: "exit", reason: "stopped" };
  const last = looksAgain(load.lastClaim) ? null : load.lastClaim;
  if (last === null) {
    if (load.claimsLeft <= 0 && load.buffered === 0) return { kind: "exit", reason: "max-tasks" };
    const plan = planClaim(load);
    if (plan.limit > 0) return { kind: "claim", limit: plan.limit, reason: plan.reason as "slot-free" | "refill-buffer" };
    return sleep(load, plan.reason);
  }
  const inFlight = load.executing + load.storing;
  if (load.batch && last.claimed === 0 && inFlight === 0 && load.buffered === 0) return { kind: "exit", reason: "drained" };
  return sleep(load, "nothing-due");
}

/**
 * Sleeps with no poll timer while nothing a poll could find would be started anyway: every slot
 * is busy, outcomes back up, a batch waits for its running tasks, or `maxTasks` is reached.
 */
function sleep(load: WorkerLoad, reason: ClaimReason | "nothing-due"): WorkerStep {
  const inFlight = load.executing + load.storing;
  const storeBound = load.storing >= load.maxStoring;
  const bound = load.executing >= load.concurrency || storeBound || (load.batch && inFlight > 0) || load.claimsLeft <= 0;
  const why: ClaimReason | "nothing-due" =
    reason !== "nothing-due" ? reason : storeBound ? "storing" : load.claimsLeft <= 0 ? "max-tasks" : "nothing-due";
  return { kind: "sleep", until: bound ? "woken" : "interval", reason: why };
}
