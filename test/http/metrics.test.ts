/**
 * `GET metrics/`: Prometheus text from the store and this process's attempts, behind the same auth as
 * every other route. Scraped and parsed, on SQLite and PostgreSQL.
 */
import test from "ava";
import { bearerToken, createTasksApp } from "../../http/index.js";
import { task } from "../../src/index.js";
import { processTasks } from "../../src/worker/index.js";
import { parsePrometheusText, valueOf } from "./prometheus-text.js";
import { clearTasks, setUpDatabases, targets, tearDownDatabases } from "./support.js";

const mail = task({ name: "metrics.mail" }, (to: string) => `sent to ${to}`);
const fail = task({ name: "metrics.fail" }, () => {
  throw new Error("no");
});

test.before(setUpDatabases);
test.after.always(tearDownDatabases);

for (const target of targets) {
  test.serial(`${target.name}: metrics/ needs the token and reports counts, depth, oldest READY age and this process's attempts`, async (t) => {
    await clearTasks(target.alias);
    const app = createTasksApp({ auth: bearerToken("s3cret"), backend: target.alias });
    const auth = { headers: { authorization: "Bearer s3cret" } };
    t.is((await app.request("/metrics/")).status, 401);

    await mail.using({ backend: target.alias, queueName: "emails" }).enqueueMany([["a@x"], ["b@x"], ["c@x"]]);
    await fail.using({ backend: target.alias }).enqueue();
    await processTasks({ backend: target.alias, tasks: [fail] });
    await processTasks({ backend: target.alias, tasks: [mail], maxTasks: 1 });

    const response = await app.request("/metrics/", auth);
    t.is(response.status, 200);
    t.regex(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const samples = parsePrometheusText(text);
    const b = { backend: target.alias };
    t.is(valueOf(samples, "errand_tasks", { ...b, queue: "emails", status: "READY" }), 2);
    t.is(valueOf(samples, "errand_tasks", { ...b, queue: "emails", status: "SUCCESSFUL" }), 1);
    t.is(valueOf(samples, "errand_tasks", { ...b, queue: "default", status: "FAILED" }), 1);
    t.is(valueOf(samples, "errand_queue_depth", { ...b, queue: "emails" }), 2);
    t.is(valueOf(samples, "errand_queue_depth", { ...b, queue: "default" }), 0);
    t.true((valueOf(samples, "errand_queue_oldest_ready_age_seconds", b) ?? -1) >= 0);
    t.is(valueOf(samples, "errand_process_tasks_enqueued_total", { task: "metrics.mail", queue: "emails" }), 3);
    t.is(valueOf(samples, "errand_process_tasks_started_total", { task: "metrics.mail", queue: "emails" }), 1);
    t.is(valueOf(samples, "errand_process_tasks_finished_total", { task: "metrics.mail", queue: "emails", status: "SUCCESSFUL" }), 1);
    t.is(valueOf(samples, "errand_process_tasks_finished_total", { task: "metrics.fail", queue: "default", status: "FAILED" }), 1);
    t.is(valueOf(samples, "errand_process_attempt_duration_seconds_count", { task: "metrics.mail", status: "SUCCESSFUL" }), 1);
    t.is(valueOf(samples, "errand_process_attempt_duration_seconds_bucket", { task: "metrics.mail", status: "SUCCESSFUL", le: "+Inf" }), 1);
    t.log(text);
  });
}

test.serial("metrics/ answers 405 for POST (after auth)", async (t) => {
  const app = createTasksApp({ auth: "none" });
  t.is((await app.request("/metrics/", { method: "POST" })).status, 405);
});
