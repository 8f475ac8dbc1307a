/**
 * Cancelling across processes on Redis (DESIGN §7, issue 17): an `errand worker` process runs a
 * task that waits on its signal; this test process cancels it through its own BullMQBackend; the
 * task sees the abort within a second (Redis pub/sub), ends CANCELLED, and the worker goes on.
 * BullMQ itself cancels only in the worker's own process. A real Redis of this file's own.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { freshBackend, seedTask, startRedis } from "../backends/bullmq/support.js";
import { assertBuilt, FIXTURES, runCli, spawnCli, waitFor } from "./_helpers/cli.js";

assertBuilt();

const redis = startRedis("cancel", 26380);
test.after.always(() => redis.stop());
const config = join(FIXTURES, "bullmq.config.ts");

test.serial("bullmq: a RUNNING task cancelled from another process sees its signal abort within 1 s and ends CANCELLED", async (t) => {
  const backend = freshBackend(redis.url);
  const env = { ERRAND_TEST_REDIS_URL: redis.url, ERRAND_TEST_REDIS_PREFIX: backend.prefix, ERRAND_LOG_LEVEL: "info" };
  const dir = mkdtempSync(join(tmpdir(), "errand-cancel-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const aborted = join(dir, "aborted");
  const worker = spawnCli(["worker", "--interval", "0.1", "--config", config], { env });
  try {
    const id = await seedTask(backend, { taskPath: "cli.waitsForCancel", args: [aborted] });
    await waitFor(async () => (await backend.taskStore.get(id))?.status === "RUNNING", "the task to start");
    const cancelledAt = Date.now();
    t.is((await backend.cancel(id)).status, "CANCELLED", "CANCELLED in Redis at once");
    await waitFor(() => existsSync(aborted) && readFileSync(aborted, "utf8").includes(" "), "the task to see its signal abort", 10_000);
    const [abortAt, reason] = readFileSync(aborted, "utf8").split(" ");
    const latencyMs = Number(abortAt) - cancelledAt;
    t.log(`bullmq: cancel → abort in ${latencyMs} ms`);
    t.true(latencyMs <= 1000, `aborted ${latencyMs} ms after the cancel`);
    t.is(reason, "TaskCancelledError");
    await waitFor(() => worker.stderr.includes("task cancelled"), "the worker to log the cancellation");
    t.like(await backend.taskStore.get(id), { status: "CANCELLED", errors: [] });
    const next = await seedTask(backend, { taskPath: "cli.add", args: [2, 3] });
    await waitFor(async () => (await backend.taskStore.get(next))?.status === "SUCCESSFUL", "the next task to run");

    const cli = (args: string[]) => runCli([...args, "--config", config], { env });
    const queued = await seedTask(backend, { taskPath: "cli.add", args: [1, 1], delayMs: 3_600_000 });
    const r = await cli(["cancel", queued, id, "missing-id"]);
    t.is(r.code, 1);
    t.regex(r.stdout, new RegExp(`^${queued}: cancelled \\(was READY\\)$`, "m"));
    t.regex(r.stdout, new RegExp(`^${id}: already cancelled$`, "m"));
    t.regex(r.stdout, /^missing-id: no such task$/m);
    t.like(await backend.taskStore.get(queued), { status: "CANCELLED" });
  } finally {
    worker.child.kill("SIGTERM");
    const done = await worker.done;
    t.is(done.code, 0, done.stderr.slice(-2000));
    t.regex(done.stderr, /1 cancelled/);
    await backend.close();
  }
});
