import type { Attributes, Link, Span } from "@opentelemetry/api";
import { emitAttempt, hasAttemptListeners, type AttemptStatus } from "./attempt-listeners.js";
import { instruments, type Instruments } from "./instruments.js";
import { ATTR, MESSAGING_SYSTEM } from "./names.js";
import type { Otel } from "./otel-api.js";
import type { TraceCarrier } from "./trace-context.js";

/** The claimed task an attempt runs. */
export interface AttemptInfo {
  id: string;
  taskName: string;
  queueName: string;
  backendAlias: string;
  /** This attempt's number, from 1. */
  attempt: number;
  /** The trace context stored at enqueue, or `null`. */
  traceContext: TraceCarrier | null | undefined;
}

/** An error as stored (errand's `TaskError`). */
interface ErrorRecord {
  exceptionClassPath: string;
  traceback: string;
}

/**
 * One attempt's CONSUMER span `process <queue>` (a child of the enqueue's producer span, and linked
 * to it, as the messaging conventions suggest) and its metrics: `errand.tasks.started` now,
 * `errand.tasks.finished` and `errand.task.attempt.duration` (s) at {@link end}.
 */
export class AttemptTelemetry {
  readonly #otel: Otel | null;
  readonly #inst: Instruments | null;
  readonly #span: Span | null;
  readonly #info: AttemptInfo;
  readonly #startedAt = performance.now();

  /** Starts the attempt's span and counts it. `otel` null: only the in-process listeners hear of it. */
  constructor(otel: Otel | null, info: AttemptInfo) {
    this.#otel = otel;
    this.#info = info;
    if (otel === null) {
      this.#inst = null;
      this.#span = null;
    } else {
      const inst = (this.#inst = instruments(otel));
      const parent = info.traceContext ? otel.propagation.extract(otel.ROOT_CONTEXT, info.traceContext) : otel.ROOT_CONTEXT;
      const producer = otel.trace.getSpanContext(parent);
      const links: Link[] = producer && otel.trace.isSpanContextValid(producer) ? [{ context: producer }] : [];
      this.#span = inst.tracer.startSpan(
        `process ${info.queueName}`,
        {
          kind: otel.SpanKind.CONSUMER,
          links,
          attributes: {
            [ATTR.system]: MESSAGING_SYSTEM,
            [ATTR.destination]: info.queueName,
            [ATTR.operationType]: "process",
            [ATTR.operationName]: "process",
            [ATTR.messageId]: info.id,
            [ATTR.taskName]: info.taskName,
            [ATTR.backend]: info.backendAlias,
            [ATTR.attempt]: info.attempt,
          },
        },
        parent,
      );
      inst.started.add(1, this.#metricAttributes());
    }
    if (hasAttemptListeners()) emitAttempt({ kind: "started", task: info.taskName, queue: info.queueName });
  }

  /** Runs the task's function with the attempt's span active (so spans the task makes are its children). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#otel || !this.#span) return fn();
    return this.#otel.context.with(this.#otel.trace.setSpan(this.#otel.context.active(), this.#span), fn);
  }

  /** Ends the span with `status`, recording `error` on it; counts the attempt's end and duration. */
  end(status: AttemptStatus, error: ErrorRecord | null | undefined): void {
    const durationS = (performance.now() - this.#startedAt) / 1000;
    const otel = this.#otel;
    const span = this.#span;
    if (otel && span && this.#inst) {
      span.setAttribute(ATTR.status, status);
      if (error) {
        const message = error.traceback.split("\n", 1)[0] ?? error.exceptionClassPath;
        span.recordException({ name: error.exceptionClassPath, message, stack: error.traceback });
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message });
      }
      span.end();
      const attributes = this.#metricAttributes();
      attributes[ATTR.status] = status;
      this.#inst.finished.add(1, attributes);
      this.#inst.attemptDuration.record(durationS, attributes);
    }
    if (hasAttemptListeners()) emitAttempt({ kind: "finished", task: this.#info.taskName, queue: this.#info.queueName, status, durationS });
  }

  #metricAttributes(): Attributes {
    return { [ATTR.destination]: this.#info.queueName, [ATTR.taskName]: this.#info.taskName, [ATTR.backend]: this.#info.backendAlias };
  }
}
