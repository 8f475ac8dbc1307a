/**
 * Metadata across processes, on every real store: a worker process saves progress 0.5 and then
 * waits at a gate (a file the test creates); this process reads 0.5 through `getResult` while the
 * task is RUNNING, opens the gate, and reads the final metadata the worker stored with the outcome.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { BullMQBackend } from "../../backends/bullmq/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { configureTasks, taskBackends } from "../../src/index.js";
import { freshPrefix, startRedis } from "../backends/bullmq/support.js";
import { reportsProgress } from "../fixtures/metadata/tasks.js";
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from "../helpers/databases.js";

const WORKER = fileURLToPath(new URL("../fixtures/metadata/worker-process.ts", import.meta.url));
const redis = startRedis("metadata", 26397);
const dir = mkdtempSync(join(tmpdir(), "errand-metadata-"));
const dbs: TestDatabase[] = [];
test.after.always(async () => {
  await taskBackends.close();
  for (const db of dbs) await db.drop();
  redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the worker process to its end (batch); resolves its exit code. */
function runWorker(env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], { env: { ...process.env, ERRAND_LOG_LEVEL: "silent", ...env }, stdio: ["ignore", "pipe", "inherit"] });
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
}

async function scenario(t: ExecutionContext, name: string, env: Record<string, string>): Promise<void> {
  const gatePath = join(dir, `${name}.gate`);
  const result = await reportsProgress.enqueue(gatePath);
  const backend = taskBackends.get("default");
  const exit = runWorker(env);
  // Polled until the worker process has saved (a generous guard, not a timing assertion).
  const deadline = Date.now() + 60_000;
  let seen = await backend.getResult(result.id);
  while (seen.metadata.progress !== 0.5) {
    if (Date.now() > deadline) return t.fail(`progress 0.5 never became readable (status ${seen.status})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen = await backend.getResult(result.id);
  }
  t.is(seen.status, "RUNNING", "read while the task runs");
  t.deepEqual(seen.metadata, { progress: 0.5, step: "halfway" });
  await result.refresh();
  t.deepEqual(result.metadata, { progress: 0.5, step: "halfway" }, "refresh() reads it too");
  writeFileSync(gatePath, "open");
  t.is(await exit, 0);
  await result.refresh();
  t.is(result.status, "SUCCESSFUL");
  t.deepEqual(result.metadata, { progress: 1, step: "done" }, "stored with the outcome");
  t.deepEqual(result.toJSON().metadata, { progress: 1, step: "done" }, "toJSON() carries it");
}

for (const kind of DATABASE_KINDS) {
  test.serial(`${kind}: progress saved in a worker process is read while the task runs`, async (t) => {
    t.timeout(120_000);
    const db = await freshDatabase(kind);
    dbs.push(db);
    configureTasks({ default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true } } });
    await (taskBackends.get("default") as DatabaseBackend).migrate();
    await scenario(t, kind, { ERRAND_URL: db.url });
  });
}

test.serial("bullmq: progress saved in a worker process is read while the task runs", async (t) => {
  t.timeout(120_000);
  const prefix = freshPrefix();
  configureTasks({ default: { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: { url: redis.url, prefix } } });
  await scenario(t, "bullmq", { ERRAND_URL: redis.url, ERRAND_REDIS_PREFIX: prefix });
});
