import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The W3C trace context (`traceparent`, and `tracestate` when set) of an enqueue's producer span, as
 * `propagation.inject` writes it: stored with the task so its attempts join the enqueuer's trace.
 */
export type TraceCarrier = Record<string, string>;

const current = new AsyncLocalStorage<TraceCarrier>();

/**
 * The trace context of the enqueue in progress, for a backend to store with the tasks it writes
 * (SQL column `trace_context`, BullMQ job data `traceContext`), or `null` outside a traced enqueue.
 */
export function currentTraceContext(): TraceCarrier | null {
  return current.getStore() ?? null;
}

/** Runs `fn` with `carrier` as {@link currentTraceContext} (across its awaits). */
export function withTraceContext<T>(carrier: TraceCarrier, fn: () => T): T {
  return current.run(carrier, fn);
}

/** A stored trace context read back: an object of strings, or `null` for anything else (never throws). */
export function parseTraceContext(value: unknown): TraceCarrier | null {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const out: TraceCarrier = {};
  for (const [key, v] of Object.entries(parsed)) if (typeof v === "string") out[key] = v;
  return Object.keys(out).length > 0 ? out : null;
}
