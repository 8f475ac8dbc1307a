/**
 * The admin login form for a `bearerToken` app: GET without credentials shows it (401 HTML), the right
 * token sets a signed HttpOnly SameSite=Strict session cookie scoped to the admin path and redirects
 * back, a wrong one does not; logout ends it; the JSON API still answers 401 JSON; the CSRF token of
 * one session is refused in another.
 */
import test from "ava";
import { Hono } from "hono";
import { bearerToken, createTasksApp } from "../../http/index.js";
import { captureLogs, clearTasks, formInit, formSession, httpAdd, setUpDatabases, statusOf, tearDownDatabases } from "./support.js";

const TOKEN = "login-test-token-0123456789";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

const mounted = () => new Hono().route("/tasks", createTasksApp({ auth: bearerToken(TOKEN) }));
const at = (path: string) => `http://app.example.com/tasks${path}`;

async function logIn(app: Hono, next = ""): Promise<string> {
  const res = await app.request(at("/admin/login/"), formInit([["secret", TOKEN], ["next", next]]));
  const cookie = res.headers.get("set-cookie") ?? "";
  return cookie.split(";")[0] ?? "";
}

test.serial("the admin page offers a login form; the right token opens it with a scoped, signed session cookie", async (t) => {
  await clearTasks("default");
  const r = await httpAdd.enqueue(1, 2);
  const app = mounted();
  const form = await app.request(at(`/admin/tasks/${r.id}/`));
  t.is(form.status, 401);
  t.is(form.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await form.text();
  t.regex(html, /<input type="password" name="secret"/);
  t.regex(html, /action="\.\.\/\.\.\/login\/"/, "relative to the page, so any mount prefix works");
  t.regex(html, new RegExp(`name="next" value="tasks/${r.id}/"`));
  // The JSON API keeps its 401 JSON for programs.
  t.deepEqual(await (await app.request(at("/status/"))).json(), { error: "Unauthorized" });

  const wrong = await app.request(at("/admin/login/"), formInit([["secret", `${TOKEN}x`], ["next", ""]]));
  t.is(wrong.status, 401);
  t.is(wrong.headers.get("set-cookie"), null);
  t.regex(await wrong.text(), /Wrong token/);

  const ok = await app.request(at("/admin/login/"), formInit([["secret", TOKEN], ["next", `tasks/${r.id}/`]]));
  t.is(ok.status, 303);
  t.is(ok.headers.get("location"), `../tasks/${r.id}/`);
  const setCookie = ok.headers.get("set-cookie") ?? "";
  t.regex(setCookie, /^errand_admin_session=\d+\.[0-9a-f]{32}\.[\w-]{43}; Path=\/tasks\/admin\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
  t.false(setCookie.includes(TOKEN), "the token is never in the cookie");
  const cookie = setCookie.split(";")[0]!;
  const page = await app.request(at(`/admin/tasks/${r.id}/`), { headers: { cookie } });
  t.is(page.status, 200);
  t.regex(await page.text(), /Log out/);
  // The cookie opens the admin page only, not the JSON API (its path does not even reach it).
  t.is((await app.request(at("/status/"), { headers: { cookie } })).status, 401);
  // Secure on https (or behind a proxy that says so).
  const https = await app.request(at("/admin/login/"), formInit([["secret", TOKEN], ["next", ""]], { "x-forwarded-proto": "https" }));
  t.regex(https.headers.get("set-cookie") ?? "", /; Secure$/);

  const out = await app.request(at("/admin/logout/"), { method: "POST", headers: { cookie } });
  t.is(out.status, 303);
  t.regex(out.headers.get("set-cookie") ?? "", /^errand_admin_session=; Path=\/tasks\/admin\/; Max-Age=0/);
});

test.serial("forged, tampered or foreign-token cookies and hostile next values are refused", async (t) => {
  const app = mounted();
  const cookie = await logIn(app);
  const [name, value] = cookie.split("=") as [string, string];
  const [expires, id, signature] = value.split(".") as [string, string, string];
  const forged = [
    `${name}=${Number(expires) + 1000}.${id}.${signature}`,
    `${name}=${expires}.${id.replace(/^./, id.startsWith("a") ? "b" : "a")}.${signature}`,
    `${name}=${expires}.${id}.${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`,
    `${name}=${Math.floor(Date.now() / 1000) + 60}.${id}.${"A".repeat(43)}`,
    `${name}=${TOKEN}`,
  ];
  for (const c of forged) t.is((await app.request(at("/admin/"), { headers: { cookie: c } })).status, 401, c);
  const other = new Hono().route("/tasks", createTasksApp({ auth: bearerToken("another-token-abcdefghij") }));
  t.is((await other.request(at("/admin/"), { headers: { cookie } })).status, 401, "a session of another token");
  for (const next of ["//evil.example.net/", "https://evil.example.net/", "../../", "/abs/", "tasks/../../x"]) {
    const res = await app.request(at("/admin/login/"), formInit([["secret", TOKEN], ["next", next]]));
    t.is(res.headers.get("location"), "../", next);
  }
});

test.serial("the admin CSRF token is bound to the session: a token from one session is refused in another", async (t) => {
  await clearTasks("default");
  const r = await httpAdd.enqueue(3, 4);
  const app = mounted();
  const alice = await logIn(app);
  const mallory = await logIn(app);
  t.not(alice, mallory);
  // Mallory's page gives Mallory a nonce cookie and its token; she plants that nonce in Alice's browser.
  const malloryPage = await formSession(await app.request(at("/admin/"), { headers: { cookie: mallory } }));
  const planted = `${alice}; ${malloryPage.cookie}`;
  const attack = await app.request(at("/admin/actions/"), formInit([["csrf", malloryPage.token], ["action", "run"], ["id", r.id]], { cookie: planted }));
  t.is(attack.status, 403);
  t.is(await statusOf("default", r.id), "READY");
  // Alice's own page works.
  const alicePage = await formSession(await app.request(at("/admin/"), { headers: { cookie: alice } }));
  const own = await app.request(at("/admin/actions/"), formInit([["csrf", alicePage.token], ["action", "run"], ["id", r.id]], { cookie: `${alice}; ${alicePage.cookie}` }));
  t.is(own.status, 303);
  t.is(await statusOf("default", r.id), "SUCCESSFUL");
});
