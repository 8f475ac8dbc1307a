/**
 * Without OpenTelemetry (`ERRAND_OTEL=off` stands in for a missing `@opentelemetry/api`: the same
 * `null` from loadOtel), tasks enqueue and run as before, no span is made and no trace context stored.
 */
import test from "ava";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { processTasks, resolveStoreBackend } from "../../src/worker/index.js";
import { loadOtel } from "../../src/telemetry/otel-api.js";
import { freshSqlite } from "../helpers/databases.js";
import { registerTestSdk, type TestSdk } from "./otel-sdk.js";

const double = task(function otelOffDouble(n: number) {
  return n * 2;
});
const db = freshSqlite();
let sdk: TestSdk;

test.before(() => {
  process.env.ERRAND_OTEL = "off";
  sdk = registerTestSdk();
  configureTasks({ default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true } } });
});
test.after.always(async () => {
  await taskBackends.close();
  await db.drop();
  await sdk.shutdown();
});

test("with ERRAND_OTEL=off nothing is traced and tasks still run", async (t) => {
  t.is(await loadOtel(), null);
  const result = await double.enqueue(21);
  t.is((await resolveStoreBackend().taskStore.get(result.id))?.traceContext, null);
  const [done] = await processTasks({ tasks: [double] });
  t.is(done?.returnValue, 42);
  t.deepEqual(sdk.spans.getFinishedSpans(), []);
});
