/**
 * The HTTP endpoints and the admin page on BullMQ: createTasksApp serves a BullMQBackend (a real
 * Redis of this file's own, port 26386) through `backend.taskStore`, unchanged.
 */
import test from "ava";
import { BullMQBackend } from "../../backends/bullmq/index.js";
import { createTasksApp } from "../../http/index.js";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { freshPrefix, startRedis } from "../backends/bullmq/support.js";

const redis = startRedis("http", 26386);
const add = task({ name: "bullmq-http.add" }, (a: number, b: number) => a + b);
const post = (body: unknown = {}): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test.before(() => configureTasks({ default: { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: { url: redis.url, prefix: freshPrefix() } } }));
test.after.always(async () => {
  await taskBackends.close();
  redis.stop();
});

test.serial("status/, run-one/, execute/, purge/ and the admin pages work on BullMQ", async (t) => {
  const app = createTasksApp({ auth: "none" });
  const first = await add.enqueue(1, 2);
  const second = await add.using({ queueName: "other" }).enqueue(3, 4);

  t.like(await (await app.request("/status/")).json(), { pending_count: 2, running_count: 0, successful_count: 0 });

  const list = await app.request("/admin/");
  t.is(list.status, 200);
  const html = await list.text();
  t.true(html.includes("bullmq-http.add"));
  t.true(html.includes(first.id.slice(0, 8)));
  t.true(html.includes(second.id.slice(0, 8)));
  t.is((await app.request(`/admin/tasks/${second.id}/`)).status, 200);
  t.is((await app.request("/admin/?queue=other")).status, 200);
  t.is((await app.request("/admin/tasks/nope/")).status, 404);

  const executed = await app.request(`/execute/${second.id}/`, post());
  t.like(await executed.json(), { executed: true, result: { id: second.id, status: "SUCCESSFUL" } });
  t.like(await (await app.request("/run-one/", post())).json(), { processed: true, result: { id: first.id, status: "SUCCESSFUL" } });
  t.is((await taskBackends.default.getResult(first.id)).returnValue, 3);
  t.like(await (await app.request(`/execute/${first.id}/`, post())).json(), { executed: false });

  t.like(await (await app.request("/status/")).json(), { pending_count: 0, successful_count: 2 });
  t.like(await (await app.request("/purge/", post({ days: 0 }))).json(), { deleted: 2 });
  t.like(await (await app.request("/status/")).json(), { successful_count: 0 });
});
