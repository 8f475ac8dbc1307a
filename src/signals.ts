import { logger } from "./logger.js";
import type { TaskResult } from "./task-result.js";

/** What a signal receiver gets: the backend class that sent it and the task result concerned. */
export interface TaskSignalPayload {
  /** The backend class (not instance) that sent the signal, as Django's `sender`. */
  sender: abstract new (...args: never[]) => unknown;
  taskResult: TaskResult<unknown>;
}

/** A function connected to a signal. Its return value is ignored; a rejected promise is logged. */
export type SignalReceiver<P> = (payload: P) => unknown;

/**
 * A synchronous event, after Django's `Signal`: receivers run in the order they connected, in the
 * process where the event happens. A receiver that throws, or returns a promise that rejects, is
 * logged and does not affect other receivers or the task's outcome.
 */
export class Signal<P> {
  readonly #receivers = new Set<SignalReceiver<P>>();

  constructor(readonly name: string) {}

  /**
   * Connects `receiver`. Connecting the same function twice has no further effect.
   * @returns a function that disconnects it.
   */
  connect(receiver: SignalReceiver<P>): () => void {
    this.#receivers.add(receiver);
    return () => this.disconnect(receiver);
  }

  /** Disconnects `receiver`. @returns whether it was connected. */
  disconnect(receiver: SignalReceiver<P>): boolean {
    return this.#receivers.delete(receiver);
  }

  /** Whether any receiver is connected. */
  get hasReceivers(): boolean {
    return this.#receivers.size > 0;
  }

  /** Calls every receiver with `payload`; never throws. */
  send(payload: P): void {
    if (this.#receivers.size === 0) return;
    // A copy: a receiver may connect or disconnect receivers while they are being called.
    for (const receiver of [...this.#receivers]) {
      try {
        const out = receiver(payload);
        if (out && typeof (out as PromiseLike<unknown>).then === "function") {
          Promise.resolve(out).catch((error: unknown) => this.#report(receiver, error));
        }
      } catch (error) {
        this.#report(receiver, error);
      }
    }
  }

  #report(receiver: SignalReceiver<P>, error: unknown): void {
    logger.error({ err: error, signal: this.name, receiver: receiver.name || "(anonymous)" }, "signal receiver failed");
  }
}

/** Sent after a task result is stored as READY, in the process that enqueued it. */
export const taskEnqueued = new Signal<TaskSignalPayload>("taskEnqueued");
/** Sent just before a task's function runs, in the process that runs it. */
export const taskStarted = new Signal<TaskSignalPayload>("taskStarted");
/**
 * Sent after a task finished (SUCCESSFUL or FAILED) and its result was stored, where it ran; for a
 * cancelled task (CANCELLED), where it ran when it was RUNNING, in the cancelling process when READY.
 */
export const taskFinished = new Signal<TaskSignalPayload>("taskFinished");
