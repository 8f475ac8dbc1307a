/** `POST cancel/:id/` (errand's extension): on SQLite and (when configured) PostgreSQL, through `app.request`. */
import test from "ava";
import { bearerToken, createTasksApp } from "../../http/index.js";
import { captureLogs, clearTasks, httpAdd, jsonInit, logs, setUpDatabases, statusOf, targets, tearDownDatabases } from "./support.js";

const TOKEN = "cancel-test-token";
const auth = { authorization: `Bearer ${TOKEN}` };

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

for (const t of targets) {
  const add = () => httpAdd.using({ backend: t.alias });
  const app = () => createTasksApp({ auth: bearerToken(TOKEN), backend: t.alias });

  test.serial(`${t.name}: POST cancel/:id/ cancels a READY task; a second call and a finished task answer cancelled: false`, async (tt) => {
    await clearTasks(t.alias);
    const waiting = await add().enqueue(1, 2);
    const api = app();
    const res = await api.request(`/cancel/${waiting.id}/`, jsonInit("POST", {}, auth));
    tt.is(res.status, 200);
    tt.deepEqual(await res.json(), { cancelled: true, previous_status: "READY", result: { id: waiting.id, status: "CANCELLED", task_path: "http.add", metadata: {} } });
    tt.is(await statusOf(t.alias, waiting.id), "CANCELLED");
    tt.like(logs.findLast((l) => l.endpoint === "cancel"), { endpoint: "cancel", method: "POST", status: 200 });
    tt.like(await (await api.request(`/cancel/${waiting.id}`, jsonInit("POST", {}, auth))).json(), { cancelled: false, reason: "Task was already cancelled" });

    const done = await add().enqueue(3, 4);
    await api.request("/run/", jsonInit("POST", {}, auth));
    tt.like(await (await api.request(`/cancel/${done.id}/`, jsonInit("POST", {}, auth))).json(), {
      cancelled: false, reason: "Task has already finished (SUCCESSFUL)", result: { status: "SUCCESSFUL" },
    });
    tt.like(await (await api.request("/status/", { headers: auth })).json(), { cancelled_count: 1, successful_count: 1 });
  });

  test.serial(`${t.name}: cancel/ needs auth, refuses GET, cross-site requests and unknown ids`, async (tt) => {
    await clearTasks(t.alias);
    const waiting = await add().enqueue(5, 6);
    const api = app();
    tt.is((await api.request(`/cancel/${waiting.id}/`, jsonInit("POST", {}))).status, 401);
    tt.is((await api.request(`/cancel/${waiting.id}/`, { headers: auth })).status, 405);
    tt.is((await api.request(`/cancel/${waiting.id}/`, jsonInit("POST", {}, { ...auth, "sec-fetch-site": "cross-site" }))).status, 403);
    tt.is(await statusOf(t.alias, waiting.id), "READY", "nothing refused cancelled it");
    tt.is((await api.request("/cancel/00000000-0000-4000-8000-000000000000/", jsonInit("POST", {}, auth))).status, 404);
    tt.is((await api.request("/cancel/not-a-uuid/", jsonInit("POST", {}, auth))).status, 404);
  });
}
