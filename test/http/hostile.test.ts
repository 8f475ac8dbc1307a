/** Hostile input: malformed JSON, oversized bodies, SQL metacharacters and markup in every input. */
import test from "ava";
import { captureLogs, clearTasks, formInit, formSession, httpAdd, httpEcho, jsonInit, setUpDatabases, statusOf, targets, tearDownDatabases } from "./support.js";
import { createTasksApp } from "../../http/index.js";
import { resolveDatabaseBackend } from "../../backends/database/resolve-backend.js";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

const SCRIPT = `<script>alert("x")</script>`;
const ATTR = `"><img src=x onerror=alert(1)>`;

function chunked(bytes: number): RequestInit {
  const chunk = new TextEncoder().encode(`{"pad":"${"a".repeat(1000)}`);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { method: "POST", body, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit;
}

test.serial("malformed JSON is a 400 on every JSON endpoint", async (t) => {
  const app = createTasksApp({ auth: "none" });
  for (const path of ["/run/", "/run-one/", "/purge/"]) {
    for (const body of ["{", "{'a':1}", "nul", "\u0000", '{"max_tasks": 1,}']) {
      const res = await app.request(path, jsonInit("POST", body));
      t.is(res.status, 400, `${path} ${JSON.stringify(body)}`);
      t.deepEqual(await res.json(), { error: "Invalid JSON" });
    }
  }
});

test.serial("bodies over maxBodyBytes get 413 before anything runs, with or without Content-Length", async (t) => {
  await clearTasks("default");
  const ready = await httpAdd.enqueue(1, 1);
  const small = createTasksApp({ auth: "none", maxBodyBytes: 1024 });
  const big = JSON.stringify({ max_tasks: 1, pad: "x".repeat(2000) });
  const res = await small.request("/run/", jsonInit("POST", big, { "content-length": String(Buffer.byteLength(big)) }));
  t.is(res.status, 413);
  t.deepEqual(await res.json(), { error: "Request body too large (max 1024 bytes)" });
  t.is((await small.request("/run/", chunked(5000))).status, 413);
  t.is((await small.request("/purge/", chunked(5000))).status, 413);
  const admin = await small.request("/admin/actions/", formInit([["action", "run"], ["id", ready.id], ["pad", "y".repeat(4000)]]));
  t.is(admin.status, 413);
  t.regex(await admin.text(), /Request body too large/);
  t.is(await statusOf("default", ready.id), "READY");
  const byDefault = createTasksApp({ auth: "none" });
  t.is((await byDefault.request("/run/", jsonInit("POST", { pad: "z".repeat(70 * 1024) }))).status, 413);
  t.is((await byDefault.request("/run/", jsonInit("POST", { max_tasks: 1, pad: "z".repeat(60 * 1024) }))).status, 200);
});

for (const tg of targets) {
  test.serial(`${tg.name}: SQL metacharacters in filters, search, ids and parameters are data, not SQL`, async (t) => {
    await clearTasks(tg.alias);
    const app = createTasksApp({ auth: "none", backend: tg.alias, allowGetForCron: true });
    const r = await httpAdd.using({ backend: tg.alias }).enqueue(1, 1);
    // "x\u0000y" (searched as "xy" once the NUL is dropped) uses no hex digit, so it can never match a
    // random id by chance ("a\u0000b" matched any UUID containing "ab": about one run in nine).
    const hostile = ["' OR '1'='1", "'; DROP TABLE errand_task_result; --", "%", "_", "\\", "%' --", '" OR ""="', "\u0000", "x\u0000y", "\ud800", "🙂"];
    for (const value of hostile) {
      for (const key of ["q", "status", "queue", "backend", "task", "page"]) {
        const res = await app.request(`/admin/?${new URLSearchParams({ [key]: value })}`);
        t.is(res.status, 200, `${key}=${JSON.stringify(value)}`);
        const html = await res.text();
        if (key !== "status" && key !== "page" && value !== "\u0000") t.notRegex(html, /class="task-name" href/, `${key}=${JSON.stringify(value)} matched nothing`);
      }
      const api = [
        await app.request(`/status/?${new URLSearchParams({ queue_name: value })}`),
        await app.request(`/purge/?${new URLSearchParams({ task_path: value, dry_run: "true" })}`),
        await app.request("/run/", jsonInit("POST", { queue_name: value })),
      ];
      if (value.includes("\u0000")) {
        // Neither database stores NUL in text: refused up front instead of failing in SQL.
        for (const res of api) t.deepEqual([res.status, ((await res.json()) as { error: string }).error.endsWith("must not contain NUL characters")], [400, true]);
      } else {
        t.is(api[0]?.status, 200);
        t.like(await api[1]?.json(), { count: 0 });
        t.like(await api[2]?.json(), { processed: 0 });
      }
      // A lone surrogate cannot be percent-encoded: send the invalid UTF-8 bytes instead.
      const segment = value === "\ud800" ? "%ED%A0%80" : encodeURIComponent(value);
      t.is((await app.request(`/execute/${segment}/`, { method: "POST" })).status, 404);
      t.is((await app.request(`/admin/tasks/${segment}/`)).status, 404);
    }
    const dotted = await (await app.request("/admin/?q=.")).text();
    t.regex(dotted, /http\.add/, "a literal '.' still matches");
    t.is(await statusOf(tg.alias, r.id), "READY", "the table is intact");
    const ctx = await resolveDatabaseBackend(tg.alias).queryContext();
    t.is(Number((await ctx.execute(`SELECT COUNT(*) AS n FROM ${ctx.table}`))[0]?.n), 1);
  });

  test.serial(`${tg.name}: markup in arguments, return values, queue names and filters is rendered escaped`, async (t) => {
    await clearTasks(tg.alias);
    const app = createTasksApp({ auth: "none", backend: tg.alias, allowGetForCron: true });
    const r = await httpEcho.using({ backend: tg.alias, queueName: `q${SCRIPT}` }).enqueue({ [SCRIPT]: ATTR, list: [SCRIPT] });
    await app.request(`/execute/${r.id}/`, { method: "POST" });
    const pages = [
      await (await app.request("/admin/")).text(),
      await (await app.request(`/admin/?${new URLSearchParams({ q: SCRIPT, queue: ATTR, task: SCRIPT, backend: ATTR })}`)).text(),
      await (await app.request(`/admin/tasks/${r.id}/`)).text(),
    ];
    for (const html of pages) {
      t.false(html.includes(SCRIPT), "no live <script> from data");
      t.false(html.includes("<img"), "no live <img> from data");
      t.false(html.includes('onerror=alert(1)">'));
      t.is([...html.matchAll(/<script/g)].length, 1, "only the page's own nonce'd script");
    }
    t.true(pages[0]?.includes("q&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    t.true(pages[1]?.includes(`value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"`));
    t.true(pages[2]?.includes("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
  });
}

test.serial("admin forms must be urlencoded, and unknown methods are 405 pages", async (t) => {
  const app = createTasksApp({ auth: "none" });
  const session = await formSession(await app.request("/admin/"));
  const json = await app.request("/admin/actions/", jsonInit("POST", { action: "run", csrf: session.token }, { cookie: session.cookie }));
  t.is(json.status, 400);
  for (const [method, path] of [["DELETE", "/admin/"], ["PUT", "/admin/purge/"], ["GET", "/admin/actions/"], ["POST", "/admin/"]]) {
    const res = await app.request(path ?? "", { method });
    t.is(res.status, 405, `${method} ${path}`);
    t.regex(res.headers.get("content-type") ?? "", /text\/html/);
  }
});
