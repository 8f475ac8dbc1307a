/**
 * CloudTasksBackend against the local Cloud Tasks server (recording only, no dispatch): OPTIONS
 * checks, the CreateTask requests it sends, check(), and what happens when CreateTask fails.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { CloudTasksClient } from "@google-cloud/tasks";
import { CloudTasksBackend, type CloudTasksBackendOptions } from "../../backends/cloudtasks/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { configureTasks, InvalidTaskBackendError, InvalidTaskError, taskBackends, TaskResultStatus } from "../../src/index.js";
import { LocalCloudTasks } from "./local-cloud-tasks.js";
import { validSigner } from "./oidc-keys.js";
import { captureLogs, ctAdd, eventually, INVOKER, logs } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "errand-ct-backend-"));
const url = `sqlite:${join(dir, "errand.sqlite3")}`;
let local: LocalCloudTasks;
let closedMetadataHost: string;

const BASE: CloudTasksBackendOptions = {
  project: "test-project",
  location: "europe-west1",
  handlerUrl: "https://app.example.com",
};

for (const k of ["GOOGLE_CLOUD_PROJECT", "GAE_APPLICATION", "GAE_SERVICE", "GAE_VERSION", "K_SERVICE", "CLOUD_RUN_REGION", "GOOGLE_CLOUD_REGION"]) delete process.env[k];

test.before(async () => {
  captureLogs();
  local = await LocalCloudTasks.start({ dispatch: false, signer: validSigner, queues: ["default", "email-queue", "reports"] });
  // A metadata host nobody listens on: location detection fails fast instead of asking the real one.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedMetadataHost = `127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
  process.env.GCE_METADATA_HOST = closedMetadataHost;
});

test.after.always(async () => {
  await taskBackends.close();
  await local.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Configures `default` as a CloudTasksBackend with these OPTIONS (on the shared SQLite file). */
function useBackend(options: CloudTasksBackendOptions, alias = "default"): CloudTasksBackend {
  configureTasks({ [alias]: { BACKEND: CloudTasksBackend, QUEUES: [], OPTIONS: { url, client: local.client(), ...options } } });
  return taskBackends.get(alias) as CloudTasksBackend;
}

function construct(OPTIONS: Record<string, unknown>): CloudTasksBackend {
  return new CloudTasksBackend("ct", { BACKEND: CloudTasksBackend, OPTIONS });
}

test("OPTIONS: each invalid field is named with the fix", (t) => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ projet: "x" }, /TASKS\.ct\.OPTIONS\.projet is not an option of CloudTasksBackend; known: .*project/],
    [{ queues: { emails: { concurrency: 5 } } }, /OPTIONS\.queues is not an option of CloudTasksBackend: Cloud Tasks dispatches the tasks itself, so limit each Cloud Tasks queue instead/],
    [{ project: "a/b" }, /OPTIONS\.project must be a Google Cloud project id/],
    [{ project: 42 }, /OPTIONS\.project must be/],
    [{ location: "Europe West" }, /OPTIONS\.location must be a Cloud Tasks location/],
    [{ handlerUrl: "app.example.com" }, /OPTIONS\.handlerUrl must be an absolute http\(s\) URL/],
    [{ handlerUrl: "ftp://app.example.com" }, /OPTIONS\.handlerUrl must be/],
    [{ handlerUrl: "https://app.example.com/?x=1" }, /OPTIONS\.handlerUrl .*without query/],
    [{ handlerUrl: "https://user:pw@app.example.com" }, /OPTIONS\.handlerUrl/],
    [{ handlerPath: "tasks" }, /OPTIONS\.handlerPath must be "" or a path starting with "\/"/],
    [{ handlerPath: "/tasks?x" }, /OPTIONS\.handlerPath/],
    [{ oidcServiceAccountEmail: "nobody" }, /OPTIONS\.oidcServiceAccountEmail must be a service account email/],
    [{ oidcAudience: "https://a" }, /OPTIONS\.oidcAudience is set but TASKS\.ct\.OPTIONS\.oidcServiceAccountEmail is not/],
    [{ oidcServiceAccountEmail: INVOKER, oidcAudience: " " }, /OPTIONS\.oidcAudience must be a non-empty string/],
    [{ queueMap: ["a"] }, /OPTIONS\.queueMap must be an object/],
    [{ queueMap: { emails: "email_queue" } }, /OPTIONS\.queueMap\.emails must be a Cloud Tasks queue id/],
    [{ client: {} }, /OPTIONS\.client must be a CloudTasksClient/],
    [{ url: "mssql://x" }, /OPTIONS\.url must be "sqlite:<path>"/],
    [{ maxAttempts: 0 }, /OPTIONS\.maxAttempts must be a whole number >= 1/],
  ];
  for (const [options, message] of cases) {
    t.throws(() => construct(options), { instanceOf: InvalidTaskBackendError, message }, JSON.stringify(options));
  }
});

test("OPTIONS: the Cloud Tasks fields are split from the database ones; options keeps both", (t) => {
  const client = local.client();
  const backend = construct({ url, ...BASE, handlerPath: "", queueMap: { emails: "email-queue" }, client, maxAttempts: 3 });
  t.like(backend.cloudTasksOptions, { project: "test-project", location: "europe-west1", handlerPath: "", client });
  t.is(backend.databaseOptions.maxAttempts, 3);
  t.false("project" in backend.databaseOptions);
  t.like(backend.options, { url, project: "test-project", maxAttempts: 3 });
  t.true(backend instanceof DatabaseBackend);
  t.true(backend.supportsDefer && backend.supportsGetResult && backend.supportsAsync && backend.supportsPriority);
  t.is(backend.queueIdFor("emails"), "email-queue");
  t.is(backend.queueIdFor("default"), "default");
  t.is(backend.queueIdFor("toString"), "toString", "only own keys of queueMap count");
});

test.serial("BACKEND: \"CloudTasksBackend\" works by name once the subpath is imported", (t) => {
  configureTasks({ default: { BACKEND: "CloudTasksBackend", OPTIONS: { url, ...BASE } } });
  t.true(taskBackends.default instanceof CloudTasksBackend);
});

test.serial("oidcAudience: the option, else the handler URL's origin, else unknown", (t) => {
  t.is(construct({ ...BASE, oidcServiceAccountEmail: INVOKER, oidcAudience: "custom" }).oidcAudience, "custom");
  t.is(construct({ ...BASE, handlerUrl: "https://app.example.com/base/" }).oidcAudience, "https://app.example.com");
  t.is(construct({ project: "p" }).oidcAudience, null);
});

test.serial("enqueue creates one Cloud Task: parent, execute URL, JSON body with only the id, OIDC token, no schedule or deadline", async (t) => {
  const backend = useBackend({ ...BASE, oidcServiceAccountEmail: INVOKER });
  const before = local.tasks.length;
  const result = await ctAdd.enqueue(1, 2);
  t.is(result.status, TaskResultStatus.READY);
  t.is(local.tasks.length, before + 1);
  const [created] = local.tasksFor(result.id);
  t.is(created!.parent, "projects/test-project/locations/europe-west1/queues/default");
  t.is(created!.url, `https://app.example.com/tasks/execute/${result.id}/?fail_on_error=true&allow_retry=true`);
  t.is(created!.httpMethod, "POST");
  t.deepEqual(created!.headers, { "Content-Type": "application/json" });
  t.deepEqual(JSON.parse(created!.body.toString("utf8")), { id: result.id });
  t.deepEqual(created!.oidcToken, { serviceAccountEmail: INVOKER, audience: "https://app.example.com" });
  t.is(created!.scheduleTime, null);
  t.is(created!.dispatchDeadlineSeconds, null);
  t.regex(created!.name, /^projects\/test-project\/locations\/europe-west1\/queues\/default\/tasks\/[0-9a-f]+$/, "the name is left to Cloud Tasks");
  t.is((await backend.getResult(result.id)).status, "READY", "the row is there, READY");
});

test.serial("without oidcServiceAccountEmail the task carries no token; handlerPath and trailing slashes are joined cleanly", async (t) => {
  useBackend({ ...BASE, handlerUrl: "https://app.example.com/api/", handlerPath: "/jobs/" });
  const result = await ctAdd.enqueue(1, 1);
  const [created] = local.tasksFor(result.id);
  t.is(created!.url, `https://app.example.com/api/jobs/execute/${result.id}/?fail_on_error=true&allow_retry=true`);
  t.is(created!.oidcToken, null);
  useBackend({ ...BASE, handlerPath: "" });
  const root = await ctAdd.enqueue(1, 1);
  t.is(local.tasksFor(root.id)[0]!.url, `https://app.example.com/execute/${root.id}/?fail_on_error=true&allow_retry=true`);
});

test.serial("a backend under another alias names itself in the URL (backend_name)", async (t) => {
  useBackend({ ...BASE }, "cloud");
  const result = await ctAdd.using({ backend: "cloud" }).enqueue(2, 2);
  t.is(local.tasksFor(result.id)[0]!.url, `https://app.example.com/tasks/execute/${result.id}/?fail_on_error=true&allow_retry=true&backend_name=cloud`);
});

test.serial("queueMap picks the Cloud Tasks queue; an unmapped name is used as is; an invalid one is refused before anything is stored", async (t) => {
  const backend = useBackend({ ...BASE, queueMap: { emails: "email-queue" } });
  const mapped = await ctAdd.using({ queueName: "emails" }).enqueue(1, 1);
  t.is(local.tasksFor(mapped.id)[0]!.parent, "projects/test-project/locations/europe-west1/queues/email-queue");
  const unmapped = await ctAdd.using({ queueName: "reports" }).enqueue(1, 1);
  t.is(local.tasksFor(unmapped.id)[0]!.parent, "projects/test-project/locations/europe-west1/queues/reports");
  const before = local.requests.length;
  const error = t.throws(() => ctAdd.using({ queueName: "reports.daily" }), { instanceOf: InvalidTaskError });
  t.regex(error.message, /Queue 'reports\.daily' of task 'ct\.add' is not a valid Cloud Tasks queue id/);
  t.regex(error.message, /queueMap, e\.g\. \{ "reports\.daily": "reports-daily" \}/);
  t.is(local.requests.length, before);
  t.throws(() => backend.validateTask(ctAdd.using({ queueName: "a_b" })), { instanceOf: InvalidTaskError });
});

test.serial("runAfter becomes scheduleTime (to the millisecond); the timeout becomes the dispatch deadline, clamped to 15 s – 30 min", async (t) => {
  useBackend({ ...BASE, timeout: 60_000 });
  const at = new Date(Date.now() + 3_600_123);
  const deferred = await ctAdd.using({ runAfter: at }).enqueue(1, 1);
  const created = local.tasksFor(deferred.id)[0]!;
  t.is(created.scheduleTime?.getTime(), at.getTime());
  t.is(created.dispatchDeadlineSeconds, 65, "60 s timeout + 5 s margin");
  for (const [timeout, expected] of [
    [1_000, 15],
    [10_001, 16],
    [2 * 3_600_000, 1_800],
  ] as const) {
    useBackend({ ...BASE, timeout });
    const r = await ctAdd.enqueue(0, 0);
    t.is(local.tasksFor(r.id)[0]!.dispatchDeadlineSeconds, expected, `timeout ${timeout}`);
  }
});

test.serial("enqueueMany stores every task in one statement and creates one Cloud Task each", async (t) => {
  const backend = useBackend({ ...BASE });
  const results = await backend.enqueueMany(ctAdd, Array.from({ length: 40 }, (_, i) => [i, i]));
  t.is(results.length, 40);
  t.is(new Set(results.map((r) => r.id)).size, 40);
  for (const r of results) t.is(local.tasksFor(r.id).length, 1);
});

test.serial("CreateTask failing (queue missing: NOT_FOUND) leaves the row READY, logs the task id, and enqueue resolves", async (t) => {
  const backend = useBackend({ ...BASE });
  logs.length = 0;
  const result = await ctAdd.using({ queueName: "no-such-queue" }).enqueue(3, 4);
  t.is(result.status, "READY");
  t.is((await backend.getResult(result.id)).status, "READY");
  t.is(local.tasksFor(result.id).length, 0);
  const line = logs.find((l) => l.taskId === result.id);
  t.like(line, { level: 50, taskId: result.id, task: "ct.add", backend: "default", grpcCode: 5, parent: "projects/test-project/locations/europe-west1/queues/no-such-queue" });
  t.regex(String(line?.msg), /stays READY/);
});

test.serial("missing location (and no metadata server) is logged per task at enqueue, and reported by check()", async (t) => {
  const backend = useBackend({ project: "test-project", handlerUrl: "https://app.example.com" });
  logs.length = 0;
  const result = await ctAdd.enqueue(5, 6);
  t.is((await backend.getResult(result.id)).status, "READY");
  t.is(local.tasksFor(result.id).length, 0);
  const line = logs.find((l) => l.taskId === result.id) as { err?: { message?: string } } | undefined;
  t.regex(String(line?.err?.message), /no Cloud Tasks location: set TASKS\.default\.OPTIONS\.location/);
  const problems = await backend.check();
  t.is(problems.length, 1);
  t.regex(problems[0]!, /Backend 'default': no Cloud Tasks location/);
});

test.serial("check() names every missing setting; on Cloud Run it asks for handlerUrl", async (t) => {
  const backend = useBackend({});
  const problems = await backend.check();
  t.is(problems.length, 3, problems.join("\n"));
  t.regex(problems[0]!, /no Google Cloud project: set TASKS\.default\.OPTIONS\.project or GOOGLE_CLOUD_PROJECT/);
  t.regex(problems[1]!, /no Cloud Tasks location: set TASKS\.default\.OPTIONS\.location, CLOUD_RUN_REGION or GOOGLE_CLOUD_REGION/);
  t.regex(problems[2]!, /no handler URL: set TASKS\.default\.OPTIONS\.handlerUrl/);
  process.env.K_SERVICE = "api";
  try {
    const onRun = await useBackend({ project: "p", location: "europe-west1" }).check();
    t.is(onRun.length, 1);
    t.regex(onRun[0]!, /On Cloud Run the service URL cannot be derived .*set TASKS\.default\.OPTIONS\.handlerUrl/);
  } finally {
    delete process.env.K_SERVICE;
  }
  t.deepEqual(await useBackend({ ...BASE }).check(), []);
});

test.serial("check() and enqueue detect project, location (metadata server) and the App Engine host from the environment", async (t) => {
  const md = createServer((req, res) => {
    if (req.headers["metadata-flavor"] === "Google" && req.url === "/computeMetadata/v1/instance/zone") res.end("projects/1/zones/asia-northeast1-1");
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => md.listen(0, "127.0.0.1", resolve));
  Object.assign(process.env, { GAE_APPLICATION: "s~sample", GAE_SERVICE: "default", GAE_VERSION: "v7", GCE_METADATA_HOST: `127.0.0.1:${(md.address() as AddressInfo).port}` });
  try {
    const backend = useBackend({ oidcServiceAccountEmail: INVOKER });
    t.deepEqual(await backend.check(), []);
    const result = await ctAdd.enqueue(1, 1);
    const created = local.tasksFor(result.id)[0]!;
    t.is(created.parent, "projects/sample/locations/asia-northeast1/queues/default");
    t.is(created.url, `https://v7-dot-default-dot-sample.appspot.com/tasks/execute/${result.id}/?fail_on_error=true&allow_retry=true`);
    t.deepEqual(created.oidcToken, { serviceAccountEmail: INVOKER, audience: "https://v7-dot-default-dot-sample.appspot.com" });
  } finally {
    for (const k of ["GAE_APPLICATION", "GAE_SERVICE", "GAE_VERSION"]) delete process.env[k];
    process.env.GCE_METADATA_HOST = closedMetadataHost;
    md.close();
  }
});

/** Runs `fn` with GOOGLE_APPLICATION_CREDENTIALS set to `path`, restoring it afterwards. */
async function withCredentialsFile(path: string, fn: () => Promise<void>): Promise<void> {
  const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
  try {
    await fn();
  } finally {
    if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
  }
}

test.serial("without OPTIONS.client a CloudTasksClient is created (Application Default Credentials) on first use and closed with the backend", async (t) => {
  // A service account key of our own: the client loads it without any network call.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyFile = join(dir, "key.json");
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: "service_account",
      project_id: "test-project",
      private_key_id: "k1",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: "app@test-project.iam.gserviceaccount.com",
      client_id: "1",
      token_uri: "http://127.0.0.1:1/token",
    }),
  );
  await withCredentialsFile(keyFile, async () => {
    const backend = construct({ url, ...BASE });
    const client = await backend.getClient();
    t.true(client instanceof CloudTasksClient);
    t.is(await backend.getClient(), client, "one client per backend");
    await backend.close();
    t.not(await backend.getClient(), client, "a closed backend makes a new one when used again");
    await backend.close();
  });
});

test.serial("no credentials: enqueue logs the error with the task id and resolves, the row stays READY, and nothing is left unhandled", async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    await withCredentialsFile(join(dir, "no-such-key.json"), async () => {
      configureTasks({ default: { BACKEND: CloudTasksBackend, QUEUES: [], OPTIONS: { url, ...BASE } } });
      const backend = taskBackends.default as CloudTasksBackend;
      logs.length = 0;
      const first = await ctAdd.enqueue(1, 1);
      const second = await ctAdd.enqueue(2, 2);
      // The dispatch fails in the background: wait for its log lines, not for a guessed time.
      await eventually("both dispatch failures to be logged", () => [first, second].every((r) => logs.some((l) => l.taskId === r.id)));
      for (const r of [first, second]) {
        t.is((await backend.getResult(r.id)).status, "READY");
        const line = logs.find((l) => l.taskId === r.id) as { err?: { message?: string } } | undefined;
        t.regex(String(line?.err?.message), /no-such-key\.json|default credentials/);
      }
      await t.throwsAsync(backend.getClient(), undefined, "each use tries again (the credentials may appear)");
    });
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  t.deepEqual(unhandled, []);
});
