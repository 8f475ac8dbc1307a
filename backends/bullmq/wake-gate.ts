/**
 * Which queues a store's watch reads (watch.ts). A worker needs a wake-up only while it waits for
 * work: after a claim of a queue came back short (the queue ran dry). While its claims come back
 * full it claims again as soon as a slot frees, and reading every event of a busy queue (three per
 * job) would only cost it CPU. So a short claim arms its queue, from the event stream's last entry
 * read on the claim's own connection just before its `moveToActive` (no job added after the claim
 * looked can be missed), and a full claim disarms it.
 */

/** A stream entry id (`<ms>-<seq>`) that reads the whole stream. */
export const STREAM_START = "0-0";

/** The armed queues of one store, each with the event stream id to read after. */
export class WakeGate {
  readonly #armed = new Map<string, string>();
  readonly #size = new Map<string, number>();
  readonly #onArm = new Set<(queueName: string) => void>();

  /** Arms `queueName` from stream entry `id` (a claim of it came back short). */
  arm(queueName: string, id: string): void {
    const fresh = !this.#armed.has(queueName);
    this.#armed.set(queueName, id);
    this.#size.delete(queueName);
    if (fresh) for (const listener of [...this.#onArm]) listener(queueName);
  }

  /** Disarms `queueName` (a claim of it came back full); its next claim may ask for `nextSize` jobs. */
  disarm(queueName: string, nextSize: number): void {
    this.#armed.delete(queueName);
    this.#size.set(queueName, nextSize);
  }

  /** How many jobs the next claim of `queueName` asks for at once: 1 while armed, then as {@link disarm} said, else `max`. */
  claimSize(queueName: string, max: number): number {
    return this.#armed.has(queueName) ? 1 : (this.#size.get(queueName) ?? max);
  }

  /** Whether `queueName` is armed: its last claim came back short. */
  isArmed(queueName: string): boolean {
    return this.#armed.has(queueName);
  }

  /** Moves an armed queue's read position to `id` (entries up to it were read). */
  advance(queueName: string, id: string): void {
    if (this.#armed.has(queueName)) this.#armed.set(queueName, id);
  }

  /** The armed queues and their read positions. */
  armed(): Map<string, string> {
    return new Map(this.#armed);
  }

  /** Calls `listener` whenever a queue not armed before is armed; returns the unsubscribe function. */
  onArm(listener: (queueName: string) => void): () => void {
    this.#onArm.add(listener);
    return () => this.#onArm.delete(listener);
  }
}
