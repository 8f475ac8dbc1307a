/**
 * The HTTP face is store-neutral: createTasksApp serves a backend whose store is the tests' in-memory
 * toy (test/helpers/memory-store.ts), with no database anywhere. The endpoints and the admin page
 * read and run tasks only through `backend.taskStore`.
 */
import test from "ava";
import { createTasksApp } from "../../http/index.js";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { parseSchedules } from "../../src/periodic/schedule.js";
import { MemoryBackend } from "../helpers/memory-backend.js";
import { MemoryStore, type FakeClock } from "../helpers/memory-store.js";

/** The real clock, in the shape of the toy store's hand-moved one (HTTP requests take real time). */
const realClock = {
  get ms() {
    return Date.now();
  },
  now: () => new Date(),
  advance() {},
} as unknown as FakeClock;
const memory = () => ({ BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store: new MemoryStore(realClock) } });

const add = task({ name: "memory-http.add" }, (a: number, b: number) => a + b);
const post = (body: unknown = {}): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test.before(() => configureTasks({ default: memory() }));
test.after.always(() => taskBackends.close());

test.serial("status/, run-one/, execute/, purge/ and the admin pages work on an in-memory store", async (t) => {
  const app = createTasksApp({ auth: "none" });
  const first = await add.enqueue(1, 2);
  const second = await add.enqueue(3, 4);

  t.like(await (await app.request("/status/")).json(), { pending_count: 2, running_count: 0, successful_count: 0 });

  const list = await app.request("/admin/");
  t.is(list.status, 200);
  const html = await list.text();
  t.true(html.includes("memory-http.add"));
  t.true(html.includes(first.id.slice(0, 8)));
  t.is((await app.request(`/admin/tasks/${second.id}/`)).status, 200);
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

test.serial("backend_name must name a store backend", async (t) => {
  configureTasks({ default: memory(), plain: { BACKEND: "ImmediateBackend" } });
  const app = createTasksApp({ auth: "none" });
  const res = await app.request("/status/?backend_name=plain");
  t.is(res.status, 400);
  t.like(await res.json(), { error: "Invalid backend name" });
});

test.serial("the admin's Schedules page lists periodic tasks with their next fire time and the last slot enqueued", async (t) => {
  const store = new MemoryStore(realClock);
  configureTasks({ default: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store } } });
  const periodic = {
    nightly: { task: add, cron: "30 2 * * *", timezone: "Europe/Paris", args: [1, 2] },
    hourly: { task: add, cron: "0 * * * *", args: [3, 4] },
  };
  const app = createTasksApp({ auth: "none", periodic });
  const empty = await (await app.request("/admin/schedules/")).text();
  t.regex(empty, /<td>nightly<\/td><td>memory-http\.add<\/td><td><code>30 2 \* \* \*<\/code><\/td><td>Europe\/Paris<\/td>/);
  t.regex(empty, /\d{4}-\d\d-\d\d 02:30:00 GMT\+0[12]:00<br><span class="muted">\d{4}-\d\d-\d\d 0[01]:30:00 UTC/);
  t.true((await (await app.request("/admin/")).text()).includes('href="schedules/"'), "the nav links the page");

  const [nightly] = parseSchedules(periodic);
  t.is(await store.slots.enqueueSlot(nightly!, new Date("2026-03-29T00:30:00Z")), "enqueued");
  t.is(await store.slots.enqueueSlot(nightly!, new Date("2026-03-29T00:30:00Z")), "taken");
  const shown = await (await app.request("/admin/schedules/")).text();
  t.true(shown.includes("2026-03-29 01:30:00 GMT+01:00<br><span class=\"muted\">2026-03-29 00:30:00 UTC"), shown);
  t.is((await app.request("/admin/schedules/")).status, 200);
  t.throws(() => createTasksApp({ auth: "none", periodic: { bad: { task: add, cron: "0 3 * *" } } }), { message: /periodic\.bad\.cron/ });
});
