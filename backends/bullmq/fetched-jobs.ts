/**
 * Jobs BullMQ handed this store ahead of a claim. Like BullMQ's own workers, errand settles a
 * finished job with `moveToFinished`'s `fetchNext`: the same script moves the next job of the
 * queue to active under the same lock token (the worker id), saving the claim's own
 * `moveToActive` round trip. Such a job is only taken, not claimed: its attempt is not recorded
 * (errand's `claimAts` differs from BullMQ's `ats`), so nothing has run. The next claim of its
 * queue records its attempt as for any job `getNextJob` returns (claim.ts).
 *
 * A taken job the worker does not claim soon (it stays busy, or serves other queues) goes back
 * to wait at the next claim once it is older than half its lock; one the process no longer
 * holds (it stopped, or crashed) is put back by `recoverOwn` on a clean exit, or by another
 * worker's `recoverExpired` after its lock expires (a job never run: back untouched, no record).
 */
import type { Job } from "bullmq";

/** Most jobs taken ahead per queue: about one claim's worth. */
export const MAX_FETCHED_PER_QUEUE = 32;

/** The taken jobs of one store, per queue, oldest first. */
export class FetchedJobs {
  readonly #byQueue = new Map<string, { job: Job; at: number }[]>();

  /** How many more jobs of `queueName` may be taken ahead. */
  room(queueName: string): number {
    return MAX_FETCHED_PER_QUEUE - (this.#byQueue.get(queueName)?.length ?? 0);
  }

  add(queueName: string, job: Job): void {
    const list = this.#byQueue.get(queueName);
    if (list) list.push({ job, at: performance.now() });
    else this.#byQueue.set(queueName, [{ job, at: performance.now() }]);
  }

  /** Up to `n` jobs of `queueName` taken less than `maxAgeMs` ago, oldest first; removed from here (stale ones stay for {@link stale}). */
  take(queueName: string, n: number, maxAgeMs: number): Job[] {
    const list = this.#byQueue.get(queueName);
    if (!list || n <= 0) return [];
    const since = performance.now() - maxAgeMs;
    const out: Job[] = [];
    const keep: { job: Job; at: number }[] = [];
    for (const e of list) {
      if (out.length < n && e.at >= since) out.push(e.job);
      else keep.push(e);
    }
    if (keep.length > 0) this.#byQueue.set(queueName, keep);
    else this.#byQueue.delete(queueName);
    return out;
  }

  /** The jobs taken `maxAgeMs` ago or earlier, removed from here (the caller puts them back). */
  stale(maxAgeMs: number): Job[] {
    const since = performance.now() - maxAgeMs;
    const out: Job[] = [];
    for (const [queueName, list] of this.#byQueue) {
      const keep = list.filter((e) => e.at >= since);
      for (const e of list) if (e.at < since) out.push(e.job);
      if (keep.length > 0) this.#byQueue.set(queueName, keep);
      else this.#byQueue.delete(queueName);
    }
    return out;
  }

  /** Every job taken, removed from here. */
  all(): Job[] {
    const out = [...this.#byQueue.values()].flatMap((list) => list.map((e) => e.job));
    this.#byQueue.clear();
    return out;
  }
}
