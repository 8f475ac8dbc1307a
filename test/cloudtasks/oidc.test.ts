/**
 * verifyCloudTasksOidc as the auth hook of createTasksApp, served on 127.0.0.1: tokens signed by a
 * test key stand in for Google's. Only a valid token runs the task; every bad one gets 401 and the
 * task stays READY.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { CloudTasksBackend, verifyCloudTasksOidc } from "../../backends/cloudtasks/index.js";
import { createTasksApp, DatabaseBackend } from "../../backends/database/index.js";
import { configureTasks, ErrandError, taskBackends } from "../../src/index.js";
import { cloudTasksClaims, googleKey, impostorKey } from "./oidc-keys.js";
import { captureLogs, ctAdd, INVOKER, logs, serveApp, stored, type ServedApp } from "./support.js";

const AUDIENCE = "https://app-abc123-ew.a.run.app";
const dir = mkdtempSync(join(tmpdir(), "errand-ct-oidc-"));
let served: ServedApp;
let jwksServer: Server;
let jwksBase: string;
let jwksHits = 0;

test.before(async () => {
  captureLogs();
  configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: `sqlite:${join(dir, "errand.sqlite3")}` } } });
  served = await serveApp();
  served.app.route("/tasks", createTasksApp({ auth: verifyCloudTasksOidc({ audience: AUDIENCE, serviceAccountEmail: INVOKER, jwks: googleKey.jwks }) }));
  served.app.route("/remote", createTasksApp({ auth: verifyCloudTasksOidc({ audience: AUDIENCE, serviceAccountEmail: INVOKER, jwksUri: "http://127.0.0.1:1/oauth2/v3/certs" }) }));
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(googleKey.jwks));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  jwksBase = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
});

test.after.always(async () => {
  await served?.close();
  jwksServer?.close();
  await taskBackends.close();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs to execute/ the way Cloud Tasks does, with `authorization` (none when null). */
function execute(id: string, authorization: string | null, prefix = "/tasks") {
  return fetch(`${served.base}${prefix}/execute/${id}/?fail_on_error=true&allow_retry=true`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization !== null && { authorization }) },
    body: JSON.stringify({ id }),
  });
}

const bearer = async (claims: Record<string, unknown>, key = googleKey) => `Bearer ${await key.sign(claims)}`;
const now = () => Math.floor(Date.now() / 1000);

test.serial("a valid Cloud Tasks token runs the task", async (t) => {
  const r = await ctAdd.enqueue(20, 22);
  const res = await execute(r.id, await bearer(cloudTasksClaims(AUDIENCE, INVOKER)));
  t.is(res.status, 200);
  t.like(await res.json(), { executed: true, result: { id: r.id, status: "SUCCESSFUL" } });
  t.is((await stored(r.id)).returnValue, 42);
});

test.serial("the issuer may be accounts.google.com without https://", async (t) => {
  const r = await ctAdd.enqueue(1, 1);
  const res = await execute(r.id, await bearer(cloudTasksClaims(AUDIENCE, INVOKER, { iss: "accounts.google.com" })));
  t.is(res.status, 200);
  t.is((await stored(r.id)).status, "SUCCESSFUL");
});

const rejected: [name: string, authorization: () => Promise<string | null>, reason: RegExp][] = [
  ["no Authorization header", async () => null, /no bearer token/],
  ["a Basic Authorization header", async () => "Basic dXNlcjpwYXNz", /no bearer token/],
  ["an empty bearer", async () => "Bearer ", /no bearer token/],
  ["a token that is not a JWT", async () => "Bearer not-a-jwt", /ERR_JWS_INVALID/],
  ["a wrong audience", () => bearer(cloudTasksClaims("https://other-service.a.run.app", INVOKER)), /unexpected "aud"/],
  ["the audience of another path (full URL)", () => bearer(cloudTasksClaims(`${AUDIENCE}/tasks/execute/x/`, INVOKER)), /unexpected "aud"/],
  ["a wrong issuer", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { iss: "https://evil.example.com" })), /unexpected "iss"/],
  ["no issuer", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { iss: undefined })), /missing required "iss"/],
  ["an expired token", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { iat: now() - 7200, exp: now() - 3600 })), /ERR_JWT_EXPIRED/],
  ["a token expired 2 minutes ago (beyond the 30 s tolerance)", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { exp: now() - 120 })), /ERR_JWT_EXPIRED/],
  ["no exp claim", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { exp: undefined })), /missing required "exp"/],
  ["a token not valid yet (nbf)", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { nbf: now() + 3600 })), /"nbf" claim/],
  ["a bad signature (another key, same kid)", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER), impostorKey), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
  [
    "a tampered payload",
    async () => {
      const [h, , s] = (await googleKey.sign(cloudTasksClaims(AUDIENCE, INVOKER))).split(".");
      const forged = Buffer.from(JSON.stringify(cloudTasksClaims(AUDIENCE, "attacker@evil.iam.gserviceaccount.com"))).toString("base64url");
      return `Bearer ${h}.${forged}.${s}`;
    },
    /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
  ],
  [
    "an unsigned token (alg none)",
    async () => `Bearer ${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(cloudTasksClaims(AUDIENCE, INVOKER))).toString("base64url")}.`,
    /ERR_JOSE_ALG_NOT_ALLOWED/,
  ],
  ["another service account's token", () => bearer(cloudTasksClaims(AUDIENCE, "someone@other.iam.gserviceaccount.com")), /email claim is not/],
  ["an unverified email", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { email_verified: false })), /email not verified/],
  ["no email claim", () => bearer(cloudTasksClaims(AUDIENCE, INVOKER, { email: undefined })), /email claim is not/],
];

for (const [name, authorization, reason] of rejected) {
  test.serial(`401 and nothing runs for ${name}`, async (t) => {
    const r = await ctAdd.enqueue(1, 2);
    logs.length = 0;
    const res = await execute(r.id, await authorization());
    t.is(res.status, 401);
    t.deepEqual(await res.json(), { error: "Unauthorized" });
    t.regex(res.headers.get("www-authenticate") ?? "", /^Bearer realm="errand"/);
    const after = await stored(r.id);
    t.is(after.status, "READY");
    t.is(after.attempts, 0);
    const line = logs.find((l) => l.msg === "Cloud Tasks OIDC token rejected");
    t.regex(String(line?.reason), reason, "rejected for the expected reason");
  });
}

test.serial("keys fetched from a JWKS URL (as from Google's certs endpoint) verify tokens; unreachable keys give 503 and nothing runs", async (t) => {
  const hook = verifyCloudTasksOidc({ audience: [AUDIENCE, "https://custom.example.com"], serviceAccountEmail: INVOKER, jwksUri: `${jwksBase}/oauth2/v3/certs` });
  const request = async (aud: string) =>
    hook(new Request(`${served.base}/tasks/execute/x/`, { method: "POST", headers: { authorization: await bearer(cloudTasksClaims(aud, INVOKER)) } }));
  t.true(await request(AUDIENCE));
  t.true(await request("https://custom.example.com"), "any of several audiences");
  t.is(jwksHits, 1, "the keys are cached");
  const bad = await request("https://nope.example.com");
  t.true(bad instanceof Response && bad.status === 401);

  const r = await ctAdd.enqueue(1, 2);
  const res = await execute(r.id, await bearer(cloudTasksClaims(AUDIENCE, INVOKER)), "/remote");
  t.is(res.status, 503, "nothing listens at the /remote app's jwksUri: the keys cannot be fetched");
  t.is((await stored(r.id)).status, "READY");
});

test.serial("no audience given nor derivable: verifyCloudTasksOidc throws, so the app does not start", (t) => {
  const error = t.throws(() => verifyCloudTasksOidc({ serviceAccountEmail: INVOKER, jwks: googleKey.jwks }), { instanceOf: ErrandError });
  t.regex(error.message, /needs the audience/);
  t.regex(error.message, /Refusing to serve the endpoints unverified/);
  t.throws(() => verifyCloudTasksOidc({ audience: [], jwks: googleKey.jwks }), { instanceOf: ErrandError });
  t.throws(() => verifyCloudTasksOidc({ audience: " ", jwks: googleKey.jwks }), { instanceOf: ErrandError });
  t.throws(() => verifyCloudTasksOidc({ audience: AUDIENCE, serviceAccountEmail: "nobody", jwks: googleKey.jwks }), { message: /serviceAccountEmail must be an email/ });
  t.throws(() => verifyCloudTasksOidc({ audience: AUDIENCE, backend: "default", jwks: googleKey.jwks }), { message: /backend 'default' is not a CloudTasksBackend/ });
  t.throws(() => verifyCloudTasksOidc({ backend: "missing", jwks: googleKey.jwks }), { message: /The connection 'missing' doesn't exist/ });
});

test.serial("audience and service account are derived from the CloudTasksBackend's OPTIONS", async (t) => {
  configureTasks({
    default: { BACKEND: DatabaseBackend, OPTIONS: { url: `sqlite:${join(dir, "errand.sqlite3")}` } },
    cloud: { BACKEND: CloudTasksBackend, OPTIONS: { url: `sqlite:${join(dir, "other.sqlite3")}`, handlerUrl: `${AUDIENCE}/base`, oidcServiceAccountEmail: INVOKER } },
  });
  try {
    const hook = verifyCloudTasksOidc({ backend: "cloud", jwks: googleKey.jwks });
    const call = async (claims: Record<string, unknown>) => hook(new Request(`${AUDIENCE}/tasks/execute/x/`, { method: "POST", headers: { authorization: await bearer(claims) } }));
    t.true(await call(cloudTasksClaims(AUDIENCE, INVOKER)), "audience = the handler URL's origin");
    t.true((await call(cloudTasksClaims(AUDIENCE, "other@x.iam.gserviceaccount.com"))) instanceof Response, "email = oidcServiceAccountEmail");
    configureTasks({ default: { BACKEND: CloudTasksBackend, OPTIONS: { url: `sqlite:${join(dir, "other.sqlite3")}`, oidcServiceAccountEmail: INVOKER, oidcAudience: "custom-aud" } } });
    const byDefault = verifyCloudTasksOidc({ jwks: googleKey.jwks });
    t.true(await byDefault(new Request(`${AUDIENCE}/x`, { headers: { authorization: await bearer(cloudTasksClaims("custom-aud", INVOKER)) } })));
  } finally {
    await taskBackends.close();
    configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: `sqlite:${join(dir, "errand.sqlite3")}` } } });
  }
});

test.serial("without serviceAccountEmail any Google-signed token for the audience passes, and a warning says so", async (t) => {
  logs.length = 0;
  const hook = verifyCloudTasksOidc({ audience: AUDIENCE, jwks: googleKey.jwks });
  t.truthy(logs.find((l) => l.level === 40 && /without serviceAccountEmail/.test(String(l.msg))));
  t.true(await hook(new Request(`${AUDIENCE}/x`, { headers: { authorization: await bearer(cloudTasksClaims(AUDIENCE, "anyone@gmail.com")) } })));
});
