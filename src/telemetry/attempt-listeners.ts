/**
 * In-process listeners of task attempts (the Prometheus `metrics/` route counts this process's
 * attempts through one). Nothing is allocated for an attempt while no listener is registered.
 */

/** One attempt event. Durations are in seconds. */
export type AttemptEvent =
  | { kind: "enqueued"; task: string; queue: string; count: number }
  | { kind: "started"; task: string; queue: string }
  | { kind: "finished"; task: string; queue: string; status: AttemptStatus; durationS: number };

/** How an attempt ended: `RETRY` (failed, will run again), `INTERRUPTED` (handed back on shutdown), `CANCELLED` (aborted by a cancel). */
export type AttemptStatus = "SUCCESSFUL" | "FAILED" | "RETRY" | "INTERRUPTED" | "CANCELLED";

const listeners = new Set<(event: AttemptEvent) => void>();

/** Whether any listener is registered (checked before building an event). */
export function hasAttemptListeners(): boolean {
  return listeners.size > 0;
}

/** Calls every listener with `event`; a listener that throws is ignored. */
export function emitAttempt(event: AttemptEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // A metrics listener must never fail a task.
    }
  }
}

/** Registers `listener`. @returns a function that unregisters it. */
export function onAttempt(listener: (event: AttemptEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
