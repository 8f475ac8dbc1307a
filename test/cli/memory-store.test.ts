// The CLI is store-neutral: on a backend whose store is the tests' in-memory toy (no database),
// status, worker and purge work through the store port; migrate says the store has no migrations.
import { join } from "node:path";
import test from "ava";
import { assertBuilt, FIXTURES, runCli } from "./_helpers/cli.js";

assertBuilt();

const config = join(FIXTURES, "memory.config.ts");

test("status --json counts the store's tasks", async (t) => {
  const r = await runCli(["status", "--json", "--config", config]);
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { backend: "default", pending: 2, counts: [{ queueName: "default", status: "READY", count: 2 }], unrunnable: [] });
});

test("worker --batch runs the store's due tasks and exits 0", async (t) => {
  const r = await runCli(["worker", "--batch", "--log-format", "json", "--config", config]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /processed 2 task\(s\) .*\(2 succeeded, 0 failed, 0 retried\); exit: nothing left to do/);
});

test("purge works on the store; migrate names the backend whose store has no migrations", async (t) => {
  const purge = await runCli(["purge", "--config", config]);
  t.is(purge.code, 0, purge.stderr);
  t.regex(purge.stdout, /Deleted 0 of 0 finished tasks/);
  const migrate = await runCli(["migrate", "--config", config]);
  t.is(migrate.code, 1);
  t.regex(migrate.stderr, /Backend 'default' is a MemoryBackend: its store has no migrations/);
});
