/**
 * The routes that run or delete tasks never do so for a HEAD, a cross-site browser request, or a body
 * that is not JSON; GET runs or deletes only with `allowGetForCron`. The set-up is the README's: a
 * cookie-session hook, so a page on another site could ride the user's cookie.
 */
import test from "ava";
import { createTasksApp, type AuthHook } from "../../http/index.js";
import { captureLogs, clearTasks, httpAdd, jsonInit, setUpDatabases, statusOf, tearDownDatabases } from "./support.js";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

const SESSION = { cookie: "session=staff" };
const isStaffSession: AuthHook = (request) => (request.headers.get("cookie") ?? "").includes("session=staff");
const app = (extra: { allowGetForCron?: boolean } = {}) => createTasksApp({ auth: isStaffSession, ...extra });
const url = (path: string) => `http://app.example.com${path}`;

/** One finished and one READY task: what a mutation would change. */
async function seed(): Promise<{ done: string; ready: string }> {
  await clearTasks("default");
  const done = await httpAdd.enqueue(1, 1);
  await app().request(`/execute/${done.id}/`, { method: "POST", headers: SESSION });
  const ready = await httpAdd.enqueue(2, 2);
  return { done: done.id, ready: ready.id };
}

async function unchanged(t: import("ava").ExecutionContext, ids: { done: string; ready: string }, what: string): Promise<void> {
  t.is(await statusOf("default", ids.ready), "READY", `${what}: nothing ran`);
  t.is(await statusOf("default", ids.done), "SUCCESSFUL", `${what}: nothing was deleted`);
}

test.serial("HEAD on purge/ and run/ never deletes or runs (with or without allowGetForCron)", async (t) => {
  const ids = await seed();
  for (const allowGetForCron of [false, true]) {
    for (const path of ["/purge/", "/purge", "/run/", "/run-one/"]) {
      const res = await app({ allowGetForCron }).request(path, { method: "HEAD", headers: SESSION });
      t.is(res.status, 405, `HEAD ${path} allowGetForCron=${allowGetForCron}`);
      t.truthy(res.headers.get("allow"));
      await unchanged(t, ids, `HEAD ${path}`);
    }
  }
  t.is((await app().request("/status/", { method: "HEAD", headers: SESSION })).status, 200, "HEAD on a read-only route is fine");
});

test.serial("GET on run/, run-one/ and purge/ is 405 unless allowGetForCron, which serves the query string", async (t) => {
  const ids = await seed();
  for (const path of ["/run/", "/run-one/", "/purge/?days=0"]) {
    const res = await app().request(path, { headers: SESSION });
    t.is(res.status, 405, path);
    t.is(res.headers.get("allow"), "POST");
  }
  await unchanged(t, ids, "GET without the option");
  const cron = app({ allowGetForCron: true });
  t.like(await (await cron.request("/run/?max_tasks=1", { headers: SESSION })).json(), { processed: 1 });
  t.is(await statusOf("default", ids.ready), "SUCCESSFUL");
  t.deepEqual(await (await cron.request("/purge/?dry_run=true", { headers: SESSION })).json(), { count: 2, dry_run: true });
  t.deepEqual(await (await cron.request("/run/?max_tasks=abc", { headers: SESSION })).json(), { error: "max_tasks must be an integer" });
});

test.serial("a text/plain (or form) body is refused with 415 on the JSON endpoints; an empty body is fine", async (t) => {
  const ids = await seed();
  for (const path of ["/run/", "/run-one/", "/purge/"]) {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await app().request(path, { method: "POST", headers: { ...SESSION, "content-type": type }, body: '{"days": 0}' });
      t.deepEqual([res.status, await res.json()], [415, { error: "Content-Type must be application/json" }], `${path} ${type}`);
    }
  }
  await unchanged(t, ids, "text/plain POST");
  t.is((await app().request("/run-one/", { method: "POST", headers: { ...SESSION, "content-type": "text/plain" } })).status, 200);
});

test.serial("cross-site and same-site browser requests are refused (Sec-Fetch-Site, Origin); same-origin ones are served", async (t) => {
  const ids = await seed();
  const attacks: [string, Record<string, string>][] = [
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
    ["Origin of another site", { origin: "https://evil.example.net" }],
    ["Origin of a sibling subdomain", { origin: "http://evil.example.com" }],
    ["Origin: null", { origin: "null" }],
    ["same-origin claim with a foreign Origin", { "sec-fetch-site": "same-origin", origin: "https://evil.example.net" }],
  ];
  const cron = app({ allowGetForCron: true });
  for (const [what, headers] of attacks) {
    const calls: [string, RequestInit][] = [
      ["/run/", jsonInit("POST", {}, { ...SESSION, ...headers })],
      ["/purge/", jsonInit("POST", { days: 0 }, { ...SESSION, ...headers })],
      [`/execute/${ids.ready}/`, { method: "POST", headers: { ...SESSION, ...headers } }],
      ["/purge/?days=0", { headers: { ...SESSION, ...headers } }],
      ["/run/", { headers: { ...SESSION, ...headers } }],
    ];
    for (const [path, init] of calls) {
      const res = await cron.request(url(path), init);
      t.is(res.status, 403, `${what}: ${init.method ?? "GET"} ${path}`);
      t.regex(((await res.json()) as { error: string }).error, /^Cross-site request refused/);
    }
    await unchanged(t, ids, what);
  }
  // The same origin (a page of the app itself), a typed URL, and servers without these headers work.
  t.like(await (await cron.request(url("/purge/?dry_run=true"), { headers: { ...SESSION, "sec-fetch-site": "none" } })).json(), { count: 1 });
  t.like(await (await cron.request(url("/run-one/"), jsonInit("POST", {}, { ...SESSION, "sec-fetch-site": "same-origin", origin: "http://app.example.com" }))).json(), { processed: true });
  t.is(await statusOf("default", ids.ready), "SUCCESSFUL");
  // Behind a proxy the public host is X-Forwarded-Host.
  const proxied = await cron.request(url("/run/"), jsonInit("POST", {}, { ...SESSION, origin: "https://tasks.example.org", "x-forwarded-host": "tasks.example.org" }));
  t.is(proxied.status, 200);
});

test.serial("a cross-site admin form POST is refused too (Origin), before its CSRF token is even read", async (t) => {
  const ids = await seed();
  const res = await app().request(url("/admin/purge/"), {
    method: "POST",
    headers: { ...SESSION, origin: "https://evil.example.net", "content-type": "application/x-www-form-urlencoded" },
    body: "confirm=yes&days=0&status=SUCCESSFUL,FAILED",
  });
  t.is(res.status, 403);
  t.regex(await res.text(), /Cross-site request refused/);
  await unchanged(t, ids, "admin purge");
});
