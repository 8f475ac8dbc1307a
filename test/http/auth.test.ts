/** Authentication: secure by default, bearer tokens, hooks and their composition; nothing runs without it. */
import test from "ava";
import { captureLogs, clearTasks, httpAdd, httpBoom, jsonInit, logs, setUpDatabases, statusOf, tearDownDatabases } from "./support.js";
import { bearerToken, createTasksApp, type AuthHook } from "../../http/index.js";
import { ErrandError, InvalidOptionError } from "../../src/index.js";
import * as databaseEntry from "../../backends/database/index.js";

const TOKEN = "c0rrect-h0rse_battery.staple~42";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

test("createTasksApp refuses to build without an auth option", (t) => {
  for (const options of [{}, { auth: undefined }, { auth: [] }, { auth: "None" }, { auth: [bearerToken("x"), "nope"] }]) {
    const error = t.throws(() => createTasksApp(options as never), { instanceOf: InvalidOptionError });
    t.regex(error.message, /needs an `auth` option/);
    t.is(error.option, "auth");
  }
  t.notThrows(() => createTasksApp({ auth: "none" }));
});

test("errand/backends/database keeps re-exporting the HTTP face for 0.x", (t) => {
  t.is(databaseEntry.createTasksApp, createTasksApp);
  t.is(databaseEntry.bearerToken, bearerToken);
});

test("bearerToken refuses an empty or missing token", (t) => {
  t.throws(() => bearerToken(""), { instanceOf: InvalidOptionError, message: /non-empty token/ });
  t.throws(() => bearerToken("   "), { instanceOf: ErrandError });
  t.throws(() => bearerToken(undefined as unknown as string), { instanceOf: ErrandError });
});

const requests: [string, string, RequestInit][] = [
  ["run", "/run/", jsonInit("POST", { max_tasks: 100 })],
  ["run-one", "/run-one/", jsonInit("POST", {})],
  ["status", "/status/", {}],
  ["purge (GET)", "/purge/", {}],
  ["purge (POST)", "/purge/", jsonInit("POST", {})],
  ["admin", "/admin/", {}],
  ["admin purge", "/admin/purge/", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "confirm=yes&days=0&status=SUCCESSFUL,FAILED" }],
];

test.serial("without valid credentials every route is 401 and nothing runs or is deleted", async (t) => {
  await clearTasks("default");
  const done = await httpAdd.enqueue(1, 1);
  const app = createTasksApp({ auth: bearerToken(TOKEN), allowGetForCron: true });
  t.like(await (await app.request(`/execute/${done.id}/`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).json(), { executed: true });
  const ready = await httpAdd.enqueue(2, 2);
  const failing = await httpBoom.enqueue("never");
  const execute: [string, string, RequestInit] = ["execute", `/execute/${ready.id}/`, { method: "POST" }];
  const wrong: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }, { authorization: `Bearer ${TOKEN}x` }, { authorization: "Bearer" }, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` }, { authorization: TOKEN }];
  for (const [name, path, init] of [...requests, execute]) {
    for (const headers of wrong) {
      const res = await app.request(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
      t.is(res.status, 401, `${name} with ${JSON.stringify(headers)}`);
      t.is(res.headers.get("www-authenticate"), 'Bearer realm="errand"');
      // People in a browser get the login form on the admin page; API clients get JSON.
      if (path.startsWith("/admin/")) t.regex(await res.text(), /<input type="password" name="secret"/);
      else t.deepEqual(await res.json(), { error: "Unauthorized" });
    }
  }
  t.is(await statusOf("default", ready.id), "READY");
  t.is(await statusOf("default", failing.id), "READY");
  t.is(await statusOf("default", done.id), "SUCCESSFUL");
  t.like(logs.findLast((l) => l.endpoint === "run"), { status: 401, tasksProcessed: 0 });
});

test.serial("the right token is accepted (any case of 'Bearer', extra spaces)", async (t) => {
  await clearTasks("default");
  await httpAdd.enqueue(3, 4);
  const app = createTasksApp({ auth: bearerToken(TOKEN) });
  const res = await app.request("/run/", jsonInit("POST", {}, { authorization: `bearer   ${TOKEN}` }));
  t.is(res.status, 200);
  t.like(await res.json(), { processed: 1 });
  t.is((await app.request("/status/", { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
  t.is((await app.request("/status/", { headers: { authorization: `Bearer ${TOKEN} extra` } })).status, 401);
});

test.serial("hooks: a Response is returned as is, an array accepts when any hook accepts, the first rejection wins", async (t) => {
  const internal: AuthHook = (request) => request.headers.get("x-internal") === "yes";
  const login: AuthHook = async () => new Response(null, { status: 302, headers: { location: "/login" } });
  const both = createTasksApp({ auth: [bearerToken("tok-123"), internal] });
  t.is((await both.request("/status/", { headers: { authorization: "Bearer tok-123" } })).status, 200);
  t.is((await both.request("/status/", { headers: { "x-internal": "yes" } })).status, 200);
  const rejected = await both.request("/status/");
  t.is(rejected.status, 401);
  t.is(rejected.headers.get("www-authenticate"), 'Bearer realm="errand"');
  const redirecting = createTasksApp({ auth: [internal, login] });
  t.is((await redirecting.request("/status/")).status, 401, "the first rejection (false → 401) wins over the later redirect");
  const loginFirst = createTasksApp({ auth: [login, internal] });
  const res = await loginFirst.request("/admin/");
  t.is(res.status, 302);
  t.is(res.headers.get("location"), "/login");
  t.is((await loginFirst.request("/admin/", { headers: { "x-internal": "yes" } })).status, 200);
});

test.serial("a hook that throws, or returns something other than true, rejects", async (t) => {
  const throwing = createTasksApp({
    auth: () => {
      throw new Error("session store down");
    },
  });
  t.is((await throwing.request("/status/")).status, 401);
  const sloppy = createTasksApp({ auth: (() => "yes") as unknown as AuthHook });
  t.is((await sloppy.request("/status/")).status, 401);
  const none = createTasksApp({ auth: "none" });
  t.is((await none.request("/status/")).status, 200);
});
