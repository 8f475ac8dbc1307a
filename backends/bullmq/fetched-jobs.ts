/**
 * Jobs BullMQ handed this store ahead of a claim. Like BullMQ's own workers, errand settles a
 * finished job with `moveToFinished`'s `fetchNext`: the same script moves the next job of the
 * queue to active under the same lock token (the worker id), saving the claim's own
 * `moveToActive` round trip. Such a job is only taken, not claimed: its attempt is not recorded
 * (errand's `claimAts` differs from BullMQ's `ats`), so nothing has run. The next claim of its
 * queue records its attempt as for any job `getNextJob` returns (claim.ts).
 *
 * Only a store a long-running Worker watches takes jobs ahead (`processTasks` may stop after any
 * task and gives nothing back). A taken job the worker does not claim soon (it stays busy, or serves other queues) goes back
 * to wait at the next claim once it is older than half its lock; one the process no longer
 * holds (it stopped, or crashed) is put back by `recoverOwn` on a clean exit, or by another
 * worker's `recoverExpired` after its lock expires (a job never run: back untouched, no record).
 */
import type { Job } from "bullmq";

/** Most jobs taken ahead per queue: about one claim's worth. */
export const MAX_FETCHED_PER_QUEUE = 32;

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
