// The CLI on Redis: `errand status`, `worker --batch` and `purge` with a config whose backend is
// BullMQBackend (a real Redis of this file's own, port 26385); an unreachable Redis is retried.
import { join } from "node:path";
import test from "ava";
import { freshBackend, seedTask, startRedis } from "../backends/bullmq/support.js";
import { assertBuilt, FIXTURES, runCli, spawnCli, waitFor } from "./_helpers/cli.js";

assertBuilt();

const redis = startRedis("cli", 26385);
test.after.always(() => redis.stop());
const config = join(FIXTURES, "bullmq.config.ts");

test.serial("status, worker --batch and purge work on BullMQ through the store port", async (t) => {
  const backend = freshBackend(redis.url);
  const env = { ERRAND_TEST_REDIS_URL: redis.url, ERRAND_TEST_REDIS_PREFIX: backend.prefix };
  const cli = (args: string[]) => runCli([...args, "--config", config], { env });
  try {
    await seedTask(backend, { taskPath: "cli.add", args: [1, 2] });
    await seedTask(backend, { taskPath: "cli.add", args: [3, 4], queueName: "other" });
    const failing = await seedTask(backend, { taskPath: "cli.fail" });
    await seedTask(backend, { taskPath: "nobody.knows" });

    const status = await cli(["status", "--json"]);
    t.is(status.code, 0, status.stderr);
    t.like(JSON.parse(status.stdout), { backend: "default", pending: 4, unrunnable: [{ taskPath: "nobody.knows", count: 1 }] });

    const worker = await cli(["worker", "--batch", "--log-format", "json"]);
    t.is(worker.code, 0, worker.stderr);
    t.regex(worker.stderr, /processed 3 task\(s\) .*\(2 succeeded, 1 failed, 0 retried\); exit: nothing left to do/);
    t.like(await backend.taskStore.get(failing), { status: "FAILED" });

    const dry = await cli(["purge", "--dry-run"]);
    t.is(dry.code, 0, dry.stderr);
    t.regex(dry.stdout, /3/);
    const purge = await cli(["purge"]);
    t.is(purge.code, 0, purge.stderr);
    t.regex(purge.stdout, /Deleted 3 of 3 finished tasks/);
    const after = await cli(["status", "--json"]);
    t.deepEqual(JSON.parse(after.stdout).counts, [{ queueName: "default", status: "READY", count: 1 }], "only the unrunnable task is left");
  } finally {
    await backend.close();
  }
});

test("errand worker on an unreachable Redis retries with back-off and says so, never a crash loop", async (t) => {
  const env = { ERRAND_TEST_REDIS_URL: "redis://:secret@127.0.0.1:1", ERRAND_TEST_REDIS_PREFIX: "unreachable" };
  const worker = spawnCli(["worker", "--config", config], { env });
  await waitFor(() => (worker.stderr.match(/database unavailable; retrying/g) ?? []).length >= 3, "three retry log lines");
  t.is(worker.child.exitCode, null, "the worker keeps retrying instead of exiting");
  t.regex(worker.stderr, /Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  // Stopping aborts the retries: one signal ends it cleanly.
  worker.child.kill("SIGTERM");
  const done = await worker.done;
  t.is(done.code, 0, `${String(done.signal)} ${done.stderr.slice(-2000)}`);
  t.regex(done.stderr, /processed 0 task\(s\) .*exit: stopped by SIGTERM/);
  t.notRegex(done.stderr, /secret/, "the password stays out of the log");
});

test("errand status on an unreachable Redis exits 1 with one line naming the server", async (t) => {
  const env = { ERRAND_TEST_REDIS_URL: "redis://127.0.0.1:1", ERRAND_TEST_REDIS_PREFIX: "unreachable" };
  const r = await runCli(["status", "--config", config], { env });
  t.is(r.code, 1);
  t.regex(r.stderr, /Redis at redis:\/\/127\.0\.0\.1:1/);
  t.is(r.stderr.trim().split("\n").length, 1, r.stderr);
});
