/**
 * Jobs BullMQ handed this store ahead of a claim. Like BullMQ's own workers, errand settles a
 * finished job with `moveToFinished`'s `fetchNext`: the same script moves the next job of the
 * queue to active under the same lock token (the worker id), saving the claim's own
 * `moveToActive` round trip, and records its attempt (finish-and-record.ts), so the next claim of
 * that worker returns it with no round trip at all. Such a job is like a prefetched one: claimed,
 * not started. Where the attempt could not be recorded with the move (`recorded: false`: BullMQ's
 * script alone, or data errand cannot read), the claim records it as for any job `getNextJob`
 * returns (begin-attempts.ts); until then nothing has run (errand's `claimAts` differs from
 * BullMQ's `ats`).
 *
 * Only a store a long-running Worker watches takes jobs ahead (`processTasks` may stop after any
 * task and gives nothing back). A taken job the worker does not claim soon (it stays busy, or
 * serves other queues), or one taken under a worker id that no longer claims, goes back to wait
 * at the next claim, its recorded attempt undone (claim.ts `putBack`), as `recoverOwn` does on a
 * clean exit. A crashed worker's jobs are taken back by another worker's `recoverExpired` after
 * their lock expires: a recorded attempt counts as lost (`WorkerLostError`), as a prefetched
 * task's does; an unrecorded one goes back untouched.
 */
import type { Job } from "bullmq";

/**
 * Most jobs taken ahead per queue: one batch of outcomes' worth (the store's `maxBatchSize`), so
 * that every completion of a busy worker takes its successor (a claim then moves none itself, see
 * claim.ts); with 32, a third of the completions of a worker of 24 + 24 took none and their
 * successors cost a `moveToActive` and an attempt record each.
 */
export const MAX_FETCHED_PER_QUEUE = 100;

/**
 * One job taken ahead: locked under `token` (a worker id) since `at` (`performance.now()`);
 * `recorded` when its attempt was recorded with the move (finish-and-record.ts).
 */
export interface FetchedJob {
  job: Job;
  token: string;
  at: number;
  recorded: boolean;
}

/** The taken jobs of one store, per queue, oldest first. */
export class FetchedJobs {
  readonly #byQueue = new Map<string, FetchedJob[]>();

  /** Completions under way that may take a job ahead, per queue and token. */
  readonly #coming = new Map<string, number>();

  /** A completion that may take a job of `queueName` for `token` is under way (`n` = -1: it ended). */
  coming(queueName: string, token: string, n: number): void {
    const key = `${queueName}\u0000${token}`;
    const left = (this.#coming.get(key) ?? 0) + n;
    if (left > 0) this.#coming.set(key, left);
    else this.#coming.delete(key);
  }

  /** Whether a completion under way may take a job of `queueName` for `token`. */
  isComing(queueName: string, token: string): boolean {
    return this.#coming.has(`${queueName}\u0000${token}`);
  }

  /** How many more jobs of `queueName` may be taken ahead. */
  room(queueName: string): number {
    return MAX_FETCHED_PER_QUEUE - (this.#byQueue.get(queueName)?.length ?? 0);
  }

  add(queueName: string, job: Job, token: string, recorded: boolean): void {
    const entry = { job, token, at: performance.now(), recorded };
    const list = this.#byQueue.get(queueName);
    if (list) list.push(entry);
    else this.#byQueue.set(queueName, [entry]);
  }

  /**
   * Up to `n` jobs of `queueName` locked under `token` and taken less than `maxAgeMs` ago, oldest
   * first; removed from here (the others stay for {@link unclaimable}).
   */
  take(queueName: string, token: string, n: number, maxAgeMs: number): FetchedJob[] {
    const list = this.#byQueue.get(queueName);
    if (!list || n <= 0) return [];
    const since = performance.now() - maxAgeMs;
    const out: FetchedJob[] = [];
    const keep: FetchedJob[] = [];
    for (const e of list) {
      if (out.length < n && e.token === token && e.at >= since) out.push(e);
      else keep.push(e);
    }
    if (keep.length > 0) this.#byQueue.set(queueName, keep);
    else this.#byQueue.delete(queueName);
    return out;
  }

  /** A queue among `queues` holding a job taken ahead under `token`, if any. */
  queueWith(token: string, queues: ReadonlySet<string>): string | undefined {
    for (const [queueName, list] of this.#byQueue) if (queues.has(queueName) && list.some((e) => e.token === token)) return queueName;
    return undefined;
  }

  /**
   * The jobs `token` cannot claim: taken `maxAgeMs` ago or earlier, or under another token (a
   * worker of this store that stopped); removed from here (the caller puts them back).
   */
  unclaimable(token: string, maxAgeMs: number): FetchedJob[] {
    const since = performance.now() - maxAgeMs;
    const out: FetchedJob[] = [];
    for (const [queueName, list] of this.#byQueue) {
      const keep = list.filter((e) => e.token === token && e.at >= since);
      for (const e of list) if (!(e.token === token && e.at >= since)) out.push(e);
      if (keep.length > 0) this.#byQueue.set(queueName, keep);
      else this.#byQueue.delete(queueName);
    }
    return out;
  }

  /** Every job taken, removed from here. */
  all(): FetchedJob[] {
    const out = [...this.#byQueue.values()].flat();
    this.#byQueue.clear();
    return out;
  }
}
