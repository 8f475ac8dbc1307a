/** The django-database-task endpoints through `app.request`, on SQLite and (when configured) PostgreSQL. */
import test from "ava";
import { captureLogs, clearTasks, httpAdd, httpBoom, jsonInit, logs, setUpDatabases, statusOf, targets, tearDownDatabases } from "./support.js";
import { bearerToken, createTasksApp } from "../../http/index.js";
import { Task } from "../../src/index.js";
import { resolveDatabaseBackend } from "../../backends/database/resolve-backend.js";

const TOKEN = "endpoint-test-token";
const auth = { authorization: `Bearer ${TOKEN}` };

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

function appFor(alias: string, extra: Partial<Parameters<typeof createTasksApp>[0]> = {}) {
  const app = createTasksApp({ auth: bearerToken(TOKEN), backend: alias, ...extra });
  return {
    post: async (path: string, body: unknown = {}) => app.request(path, jsonInit("POST", body, auth)),
    get: async (path: string) => app.request(path, { headers: auth }),
    send: async (path: string, init: RequestInit) => app.request(path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } }),
  };
}

for (const t of targets) {
  const add = () => httpAdd.using({ backend: t.alias });
  const boom = () => httpBoom.using({ backend: t.alias });

  test.serial(`${t.name}: POST run/ runs due tasks and reports each`, async (tt) => {
    await clearTasks(t.alias);
    const a = await add().enqueue(1, 2);
    const b = await boom().enqueue("x");
    await add().using({ runAfter: new Date(Date.now() + 3_600_000) }).enqueue(5, 5);
    const res = await appFor(t.alias).post("/run/", { max_tasks: 10 });
    tt.is(res.status, 200);
    const body = (await res.json()) as { processed: number; results: { id: string; status: string; task_path: string }[] };
    tt.is(body.processed, 2);
    tt.deepEqual(
      body.results.sort((x, y) => x.task_path.localeCompare(y.task_path)),
      [
        { id: a.id, status: "SUCCESSFUL", task_path: "http.add", metadata: {} },
        { id: b.id, status: "FAILED", task_path: "http.boom", metadata: {} },
      ],
    );
    const entry = logs.findLast((l) => l.endpoint === "run");
    tt.like(entry, { endpoint: "run", method: "POST", status: 200, tasksProcessed: 2 });
    tt.is(typeof entry?.durationMs, "number");
  });

  test.serial(`${t.name}: POST run/ honours max_tasks, queue_name, the default of 10 and the path without slash`, async (tt) => {
    await clearTasks(t.alias);
    await add().enqueueMany(Array.from({ length: 12 }, (_, i) => [i, 1] as [number, number]));
    await add().using({ queueName: "emails" }).enqueue(100, 1);
    const api = appFor(t.alias);
    tt.like(await (await api.post("/run/", { max_tasks: 2 })).json(), { processed: 2 });
    const onlyEmails = (await (await api.post("/run/", { queue_name: "emails" })).json()) as { processed: number };
    tt.is(onlyEmails.processed, 1);
    tt.like(await (await api.post("/run", "")).json(), { processed: 10 });
  });

  test.serial(`${t.name}: POST run/ rejects bad parameters with django-database-task's messages`, async (tt) => {
    const api = appFor(t.alias);
    for (const bad of [0, -1, 1.5, "5", true, null]) {
      const res = await api.post("/run/", { max_tasks: bad });
      tt.is(res.status, 400, `max_tasks ${JSON.stringify(bad)}`);
      tt.deepEqual(await res.json(), { error: "max_tasks must be a positive integer" });
    }
    const big = await api.post("/run/", { max_tasks: 101 });
    tt.deepEqual([big.status, await big.json()], [400, { error: "max_tasks cannot exceed 100" }]);
    const queue = await api.post("/run/", { queue_name: 7 });
    tt.deepEqual([queue.status, await queue.json()], [400, { error: "queue_name must be a string" }]);
    for (const name of ["nope", 3, "'; DROP TABLE x; --"]) {
      const res = await api.post("/run/", { backend_name: name });
      tt.deepEqual([res.status, await res.json()], [400, { error: "Invalid backend name" }]);
    }
    const invalid = await api.post("/run/", "{not json");
    tt.deepEqual([invalid.status, await invalid.json()], [400, { error: "Invalid JSON" }]);
    const array = await api.post("/run/", "[1,2]");
    tt.deepEqual([array.status, await array.json()], [400, { error: "JSON body must be an object" }]);
  });

  test.serial(`${t.name}: POST run-one/ runs one due task, or reports that none is due`, async (tt) => {
    await clearTasks(t.alias);
    const api = appFor(t.alias);
    tt.deepEqual(await (await api.post("/run-one/")).json(), { processed: false, result: null });
    await add().using({ runAfter: new Date(Date.now() + 3_600_000) }).enqueue(1, 1);
    tt.deepEqual(await (await api.post("/run-one/")).json(), { processed: false, result: null });
    const r = await add().enqueue(2, 3);
    tt.deepEqual(await (await api.post("/run-one/", { queue_name: "default" })).json(), {
      processed: true,
      result: { id: r.id, status: "SUCCESSFUL", task_path: "http.add", metadata: {} },
    });
    const res = await api.post("/run-one/", { backend_name: "missing" });
    tt.is(res.status, 400);
  });

  test.serial(`${t.name}: GET status/ counts tasks by status with pending wait times`, async (tt) => {
    await clearTasks(t.alias);
    const api = appFor(t.alias);
    tt.deepEqual(await (await api.get("/status/")).json(), {
      pending_count: 0, delayed_count: 0, running_count: 0, successful_count: 0, failed_count: 0, cancelled_count: 0, oldest_pending_wait: null, newest_pending_wait: null,
    });
    await add().enqueue(1, 1);
    await boom().enqueue("z");
    await api.post("/run/");
    await add().enqueue(2, 2);
    await new Promise((r) => setTimeout(r, 30));
    await add().using({ queueName: "emails" }).enqueue(3, 3);
    await add().using({ runAfter: new Date(Date.now() + 60_000) }).enqueue(4, 4);
    const body = (await (await api.get("/status/")).json()) as Record<string, unknown>;
    tt.like(body, { pending_count: 2, delayed_count: 1, running_count: 0, successful_count: 1, failed_count: 1 });
    tt.regex(String(body.oldest_pending_wait), /^PT\d+(\.\d+)?S$/);
    tt.regex(String(body.newest_pending_wait), /^PT\d+(\.\d+)?S$/);
    const emails = (await (await api.get(`/status/?queue_name=emails&backend_name=${t.alias}`)).json()) as Record<string, unknown>;
    tt.like(emails, { pending_count: 1, delayed_count: 0, successful_count: 0 });
    tt.is((await api.get("/status/?backend_name=nope")).status, 400);
  });

  test.serial(`${t.name}: POST execute/:id/ runs one task by id`, async (tt) => {
    await clearTasks(t.alias);
    const api = appFor(t.alias);
    const r = await add().using({ runAfter: new Date(Date.now() + 3_600_000) }).enqueue(20, 22);
    tt.deepEqual(await (await api.post(`/execute/${r.id}/`)).json(), { executed: true, result: { id: r.id, status: "SUCCESSFUL", task_path: "http.add", metadata: {} } });
    tt.deepEqual(await (await api.post(`/execute/${r.id}/`)).json(), { executed: false, reason: "Task is not in READY status" });
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "1%27%20OR%201%3D1"]) {
      const res = await api.post(`/execute/${id}/`);
      tt.deepEqual([res.status, await res.json()], [404, { error: "Task not found" }], id);
    }
  });

  test.serial(`${t.name}: POST execute/:id/ with fail_on_error and allow_retry`, async (tt) => {
    await clearTasks(t.alias);
    const api = appFor(t.alias);
    const r = await boom().enqueue("e");
    const failed = await api.post(`/execute/${r.id}/?fail_on_error=true`);
    tt.is(failed.status, 500);
    tt.deepEqual(await failed.json(), { executed: true, failed: true, result: { id: r.id, status: "FAILED", task_path: "http.boom", metadata: {} } });
    tt.deepEqual(await (await api.post(`/execute/${r.id}/`)).json(), { executed: false, reason: "Task is not in READY status" });
    const retried = await api.post(`/execute/${r.id}/?allow_retry=TRUE`);
    tt.is(retried.status, 200);
    tt.like(await retried.json(), { executed: true, result: { status: "FAILED" } });
    tt.is((await resolveDatabaseBackend(t.alias).getResult(r.id)).errors.length, 2);
  });

  test.serial(`${t.name}: POST execute/:id/ refuses tasks this app may not run (409), leaving them READY`, async (tt) => {
    await clearTasks(t.alias);
    const onlyAdd = appFor(t.alias, { tasks: [httpAdd] });
    const b = await boom().enqueue("no");
    const res = await onlyAdd.post(`/execute/${b.id}/`);
    tt.is(res.status, 409);
    tt.is(await statusOf(t.alias, b.id), "READY");
    // A task name no module of this process defines, enqueued as another process would: a Task built
    // without task() is never registered here (what the worker's placeholder for unknown names is too).
    const ghostTask = new Task({
      name: "ghost.task", priority: 0, queueName: "default", backend: t.alias, runAfter: null, takesContext: false,
      func: () => null, maxAttempts: 1, backoff: null, timeout: null,
    });
    const { id } = await ghostTask.enqueue();
    const ghost = await appFor(t.alias).post(`/execute/${id}/`);
    tt.is(ghost.status, 409);
    tt.regex(((await ghost.json()) as { error: string }).error, /ghost\.task/);
    tt.is(await statusOf(t.alias, id), "READY");
    // run/ leaves it alone too.
    tt.like(await (await onlyAdd.post("/run/")).json(), { processed: 0 });
  });

  test.serial(`${t.name}: POST purge/ (and GET with allowGetForCron) delete finished tasks, never READY ones`, async (tt) => {
    await clearTasks(t.alias);
    const api = appFor(t.alias, { allowGetForCron: true });
    await add().enqueueMany([[1, 1], [2, 2]]);
    await boom().enqueue("p");
    await api.post("/run/");
    const ready = await add().enqueue(9, 9);
    tt.deepEqual(await (await api.post("/purge/", { dry_run: true })).json(), { count: 3, dry_run: true });
    tt.deepEqual(await (await api.get("/purge/?dry_run=true&status=failed")).json(), { count: 1, dry_run: true });
    tt.deepEqual(await (await api.get("/purge/?days=7")).json(), { deleted: 0, dry_run: false });
    tt.deepEqual(await (await api.post("/purge/", { status: "FAILED, bogus", task_path: "http.boom" })).json(), { deleted: 1, dry_run: false });
    tt.deepEqual(await (await api.get("/purge/?batch_size=1&queue_name=default")).json(), { deleted: 2, dry_run: false });
    tt.is(await statusOf(t.alias, ready.id), "READY");
    tt.like(logs.findLast((l) => l.endpoint === "purge"), { status: 200, tasksProcessed: 2 });
  });

  test.serial(`${t.name}: purge/ rejects bad parameters`, async (tt) => {
    const api = appFor(t.alias, { allowGetForCron: true });
    const cases: [Promise<Response>, string][] = [
      [api.get("/purge/?days=abc"), "days must be an integer"],
      [api.get("/purge/?batch_size=1e3"), "batch_size must be an integer"],
      [api.get("/purge/?days=-1"), "days must be a non-negative integer"],
      [api.post("/purge/", { days: 1.5 }), "days must be a non-negative integer"],
      [api.post("/purge/", { batch_size: 0 }), "batch_size must be a positive integer"],
      [api.post("/purge/", { batch_size: 10_001 }), "batch_size cannot exceed 10000"],
      [api.get("/purge/?status=READY,RUNNING"), "No valid statuses specified"],
      [api.post("/purge/", { status: ["FAILED"] }), "status must be a comma-separated string"],
      [api.post("/purge/", { dry_run: "yes" }), "dry_run must be a boolean"],
      [api.post("/purge/", { task_path: 5 }), "task_path must be a string"],
      [api.post("/purge/", "nope"), "Invalid JSON"],
      // A cut-off date beyond JavaScript's range was a RangeError, answered 500.
      [api.post("/purge/", { days: 1e8 }), "days cannot exceed 100000"],
      [api.get("/purge/?days=100000000"), "days cannot exceed 100000"],
    ];
    for (const [pending, message] of cases) {
      const res = await pending;
      tt.deepEqual([res.status, await res.json()], [400, { error: message }]);
    }
  });
}

test.serial("wrong methods get 405 with an Allow header", async (t) => {
  const api = appFor("default");
  const cases: [string, string, string][] = [
    ["GET", "/run/", "POST"],
    ["PUT", "/run-one/", "POST"],
    ["POST", "/status/", "GET"],
    ["GET", "/execute/00000000-0000-4000-8000-000000000000/", "POST"],
    ["DELETE", "/purge/", "POST"],
    ["GET", "/purge/", "POST"],
    ["GET", "/run-one/", "POST"],
    ["PATCH", "/status", "GET"],
  ];
  for (const [method, path, allow] of cases) {
    const res = await api.send(path, { method });
    t.is(res.status, 405, `${method} ${path}`);
    t.is(res.headers.get("allow"), allow);
    t.regex(((await res.json()) as { error: string }).error, /not allowed/);
  }
  t.is((await api.get("/nothing-here/")).status, 404);
});
