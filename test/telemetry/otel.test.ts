import test from "ava";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { Histogram } from "@opentelemetry/sdk-metrics";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { processTasks, resolveStoreBackend } from "../../src/worker/index.js";
import { loadOtel } from "../../src/telemetry/otel-api.js";
import { observeQueues } from "../../src/telemetry/queue-gauges.js";
import { freshPostgres, freshSqlite, PG_URL, type TestDatabase } from "../helpers/databases.js";
import { points, registerTestSdk, type TestSdk } from "./otel-sdk.js";

const greet = task(function otelGreet(name: string) {
  return `hello ${name}`;
});
const broken = task(function otelBroken() {
  throw new RangeError("out of range");
});

const KINDS = PG_URL ? (["sqlite", "postgresql"] as const) : (["sqlite"] as const);
const dbs: TestDatabase[] = [];
let sdk: TestSdk;

test.before(async () => {
  sdk = registerTestSdk();
  const config: Record<string, { BACKEND: typeof DatabaseBackend; QUEUES: string[]; OPTIONS: object }> = {};
  for (const kind of KINDS) {
    const db = kind === "sqlite" ? freshSqlite() : await freshPostgres();
    dbs.push(db);
    config[kind] = { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true } };
  }
  configureTasks(config);
});
test.after.always(async () => {
  await taskBackends.close();
  for (const db of dbs) await db.drop();
  await sdk.shutdown();
});

for (const kind of KINDS) {
  test.serial(`${kind}: the enqueue's producer span and the attempt's consumer span are linked through the stored trace context`, async (t) => {
    sdk.spans.reset();
    const result = await greet.using({ backend: kind, queueName: `mail-${kind}` }).enqueue("Ada");
    const stored = await resolveStoreBackend(kind).taskStore.get(result.id);
    const [producer] = sdk.spans.getFinishedSpans();
    t.truthy(producer);
    t.is(producer!.name, `send mail-${kind}`);
    t.is(producer!.kind, SpanKind.PRODUCER);
    t.like(producer!.attributes, {
      "messaging.system": "errand",
      "messaging.destination.name": `mail-${kind}`,
      "messaging.operation.type": "send",
      "messaging.message.id": result.id,
      "errand.task.name": "otelGreet",
      "errand.backend": kind,
    });
    const { traceId, spanId } = producer!.spanContext();
    t.is(stored?.traceContext?.traceparent, `00-${traceId}-${spanId}-01`);

    await processTasks({ backend: kind, tasks: [greet] });
    const consumer = sdk.spans.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
    t.truthy(consumer);
    t.is(consumer!.name, `process mail-${kind}`);
    t.is(consumer!.spanContext().traceId, traceId, "same trace as the enqueue");
    t.is(consumer!.parentSpanContext?.spanId, spanId, "a child of the producer span");
    t.is(consumer!.links[0]?.context.spanId, spanId, "and linked to it");
    t.like(consumer!.attributes, {
      "messaging.operation.type": "process",
      "messaging.message.id": result.id,
      "errand.task.name": "otelGreet",
      "errand.task.attempt": 1,
      "errand.task.status": "SUCCESSFUL",
    });
    t.is(consumer!.status.code, SpanStatusCode.UNSET);
  });

  test.serial(`${kind}: a failed attempt records the error on its span`, async (t) => {
    sdk.spans.reset();
    await broken.using({ backend: kind }).enqueue();
    await processTasks({ backend: kind, tasks: [broken] });
    const consumer = sdk.spans.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
    t.is(consumer?.status.code, SpanStatusCode.ERROR);
    t.is(consumer?.attributes["errand.task.status"], "FAILED");
    const exception = consumer?.events.find((e) => e.name === "exception");
    t.is(exception?.attributes?.["exception.type"], "RangeError");
    t.regex(String(exception?.attributes?.["exception.message"]), /out of range/);
  });

  test.serial(`${kind}: metrics count tasks enqueued, started and finished, attempt durations and the queue depth`, async (t) => {
    const queueName = `metrics-${kind}`;
    const attrs = { "messaging.destination.name": queueName, "errand.task.name": "otelGreet", "errand.backend": kind };
    await greet.using({ backend: kind, queueName }).enqueueMany([["a"], ["b"], ["c"]]);
    const otel = (await loadOtel())!;
    const stop = observeQueues(otel, resolveStoreBackend(kind).taskStore, kind);
    try {
      let m = await sdk.collect();
      t.like(points(m, "errand.queue.depth").find((p) => p.attributes["messaging.destination.name"] === queueName), { value: 3 });
      t.true((points(m, "errand.queue.oldest_ready.age")[0]?.value as number) >= 0);
      await processTasks({ backend: kind, tasks: [greet], queueName });
      m = await sdk.collect();
      const forQueue = (name: string) => points(m, name).filter((p) => p.attributes["messaging.destination.name"] === queueName);
      t.deepEqual(forQueue("errand.tasks.enqueued").map((p) => [p.attributes, p.value]), [[attrs, 3]]);
      t.deepEqual(forQueue("errand.tasks.started").map((p) => p.value), [3]);
      t.deepEqual(forQueue("errand.tasks.finished").map((p) => [p.attributes["errand.task.status"], p.value]), [["SUCCESSFUL", 3]]);
      const duration = forQueue("errand.task.attempt.duration")[0]?.value as Histogram | undefined;
      t.is(duration?.count, 3);
      // The depth is read again once the reader's cache has aged (at most once a second).
      await new Promise((r) => setTimeout(r, 1100));
      m = await sdk.collect();
      t.like(forQueue("errand.queue.depth")[0], { value: 0 });
    } finally {
      stop();
    }
  });
}
