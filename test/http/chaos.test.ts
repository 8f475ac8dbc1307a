/**
 * The HTTP-only path under chaos (no Worker anywhere): a tasks server is SIGKILLed while its tasks run
 * and restarted on the same port; driven by `run/`, and by a local Cloud Tasks peer that calls
 * `execute/<id>/`, every task still ends SUCCESSFUL, the lost attempt on record. Driven by events: the
 * kill lands when a task has written its "started" file, and tasks finish once a release file exists.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { CloudTasksBackend } from "../../backends/cloudtasks/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { configureTasks, taskBackends } from "../../src/index.js";
import { LocalCloudTasks } from "../cloudtasks/local-cloud-tasks.js";
import { eventually } from "../cloudtasks/support.js";
import { freshDatabase, PG_URL, type TestDatabase } from "../helpers/databases.js";
import { httpHold } from "./fixtures/hold-task.js";
import { captureLogs } from "./support.js";

const SERVER = fileURLToPath(new URL("./fixtures/server-process.ts", import.meta.url));
const LEASE_MS = 1500;
const TASKS = 3;
const scratch = mkdtempSync(join(tmpdir(), "errand-http-chaos-"));
let db: TestDatabase;
let local: LocalCloudTasks;
const children: ChildProcess[] = [];

function startServer(port = 0): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
    env: { ...process.env, ERRAND_URL: db.url, PORT: String(port), LEASE_MS: String(LEASE_MS), ERRAND_LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
    child.stdout!.once("data", (chunk: Buffer) => resolve({ child, port: Number(/listening (\d+)/.exec(chunk.toString())?.[1]) }));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await gone;
}

test.before(async () => {
  captureLogs();
  db = PG_URL ? await freshDatabase("postgresql") : await freshDatabase("sqlite");
  local = await LocalCloudTasks.start({ maxAttempts: 200, minBackoffMs: 100, maxBackoffMs: 400 });
});

test.after.always(async () => {
  for (const child of children) await kill(child);
  await local?.close();
  await taskBackends.close();
  await db?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Enqueues, waits for a task to start on the first server, kills it, releases, restarts on the same port. */
async function killMidTask(t: import("ava").ExecutionContext, dir: string, start: (base: string) => Promise<string[]>, drive: (base: string, ids: string[]) => Promise<void>) {
  mkdirSync(dir);
  const first = await startServer();
  const base = `http://127.0.0.1:${first.port}`;
  const ids = await start(base);
  await eventually("a task to start on the first server", () => readdirSync(dir).some((f) => f.startsWith("started-")), 30_000);
  await kill(first.child);
  writeFileSync(join(dir, "release"), "");
  const second = await startServer(first.port);
  await drive(base, ids);
  for (const id of ids) {
    const result = await taskBackends.default.getResult(id);
    t.is(result.status, "SUCCESSFUL", id);
  }
  const lost = await Promise.all(ids.map(async (id) => (await taskBackends.default.getResult(id)).errors.some((e) => e.exceptionClassPath === "WorkerLostError")));
  t.true(lost.some(Boolean), "the killed attempt is on record");
  await kill(second.child);
}

const allSuccessful = async (ids: string[]) => (await Promise.all(ids.map(async (id) => (await taskBackends.default.getResult(id)).status))).every((s) => s === "SUCCESSFUL");

test.serial("run/: a server killed mid-task and restarted; run/ calls finish every task", async (t) => {
  configureTasks({ default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true } } });
  const dir = join(scratch, "run");
  await killMidTask(
    t,
    dir,
    async (base) => {
      const results = await taskBackends.default.enqueueMany(httpHold, Array.from({ length: TASKS }, (_, i) => [dir, i] as [string, number]));
      // The cron call whose server dies: its connection is reset, which is the point.
      fetch(`${base}/tasks/run/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ max_tasks: TASKS }) }).catch(() => {});
      return results.map((r) => r.id);
    },
    async (base, ids) => {
      // Cron keeps calling run/; the stranded task is taken back once its lease expires.
      await eventually("every task SUCCESSFUL through run/", async () => {
        const res = await fetch(`${base}/tasks/run/`, { method: "POST" });
        if (res.status !== 200) throw new Error(`run/ answered ${res.status}: ${await res.text()}`);
        return allSuccessful(ids);
      }, 60_000);
    },
  );
  await taskBackends.close();
});

test.serial("Cloud Tasks: a server killed mid-task and restarted; execute/ retries finish every task", async (t) => {
  const dir = join(scratch, "cloudtasks");
  let handlerUrl = "";
  await killMidTask(
    t,
    dir,
    async (base) => {
      handlerUrl = base;
      configureTasks({
        default: {
          BACKEND: CloudTasksBackend,
          QUEUES: [],
          OPTIONS: { url: db.url, autoMigrate: true, project: "test-project", location: "europe-west1", handlerUrl, client: local.client() },
        },
      });
      const results = await taskBackends.default.enqueueMany(httpHold, Array.from({ length: TASKS }, (_, i) => [dir, i] as [string, number]));
      return results.map((r) => r.id);
    },
    async (_base, ids) => {
      await eventually("every task SUCCESSFUL through Cloud Tasks", () => allSuccessful(ids), 60_000);
      // Each Cloud Task ends acknowledged by a 200 from the restarted server, none given up on.
      await eventually("every Cloud Task acknowledged", () => ids.every((id) => local.tasksFor(id).every((c) => c.state === "succeeded")), 30_000);
      for (const id of ids) t.is(local.tasksFor(id)[0]?.attempts.at(-1)?.status, 200);
    },
  );
});
