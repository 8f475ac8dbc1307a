/**
 * The CLI scenarios every dialect must pass, run against the real binary. `sqlite.test.ts` and
 * `postgresql.test.ts` call {@link defineCliSuite} with their store factory.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestFn } from "ava";
import { runCli, spawnCli, waitFor, type CliRun } from "./cli.js";
import type { StoreFactory, TestStore } from "./stores.js";
import { fixtureTasks, ghost, statuses } from "./tasks-db.js";

const { add, fail, slow, gated, sendEmail, buildReport } = fixtureTasks;

/** Registers the scenarios on `test` for the dialect of `stores`. */
export function defineCliSuite(test: TestFn, stores: StoreFactory): void {
  const d = stores.dialect;
  test.after.always(() => stores.closeAll());

  const ok = (t: { is: (a: unknown, b: unknown, m?: string) => void }, r: CliRun) => t.is(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);

  /** A store whose table exists (migrated through the CLI where the dialect needs it). */
  async function ready(t: Parameters<typeof ok>[0]): Promise<TestStore> {
    const store = await stores.create();
    if (store.needsMigrate) ok(t, await runCli(["migrate"], { env: store.env }));
    return store;
  }

  test(`${d}: migrate applies the migrations, then migrate --check passes`, async (t) => {
    const { env } = await stores.create();
    const before = await runCli(["migrate", "--check"], { env });
    t.is(before.code, 1, before.stderr);
    t.regex(before.stdout, /7 pending migration\(s\)[\s\S]*Migration\d+_initial[\s\S]*Migration\d+_periodic_slots[\s\S]*Migration\d+_metadata[\s\S]*Migration\d+_unique_tasks[\s\S]*Migration\d+_trace_context[\s\S]*Migration\d+_limits[\s\S]*Migration\d+_id_collation/);
    t.regex(before.stderr, /Migrations are pending: run "errand migrate"/);
    const applied = await runCli(["migrate"], { env });
    ok(t, applied);
    t.regex(applied.stdout, /Applied 7 migration\(s\) to (PostgreSQL|SQLite)[\s\S]*Migration\d+_initial[\s\S]*Migration\d+_periodic_slots[\s\S]*Migration\d+_metadata[\s\S]*Migration\d+_unique_tasks[\s\S]*Migration\d+_trace_context[\s\S]*Migration\d+_limits[\s\S]*Migration\d+_id_collation/);
    const check = await runCli(["migrate", "--check"], { env });
    ok(t, check);
    t.regex(check.stdout, /No pending migrations/);
    const again = await runCli(["migrate"], { env });
    ok(t, again);
    t.regex(again.stdout, /No migrations to apply/);
  });

  test(`${d}: worker --batch runs every due task, records failures, prints a summary and exits 0`, async (t) => {
    const { env, backend } = await ready(t);
    const sums = await Promise.all([1, 2, 3].map((i) => backend.enqueue(add, [i, 10])));
    const failing = await backend.enqueue(fail, []);
    const run = await runCli(["worker", "--batch", "--worker-id", "batch-worker"], { env });
    ok(t, run);
    for (const [i, r] of sums.entries()) {
      const stored = await backend.getResult(r.id);
      t.is(stored.status, "SUCCESSFUL");
      t.is(stored.returnValue, i + 11);
      t.deepEqual(stored.workerIds, ["batch-worker"]);
    }
    const failed = await backend.getResult(failing.id);
    t.is(failed.status, "FAILED");
    t.regex(failed.errors[0]?.traceback ?? "", /cli\.fail always fails/);
    t.regex(run.stderr, /errand worker batch-worker: processed 4 task\(s\) .*\(3 succeeded, 1 failed, 0 retried\); exit: nothing left to do/);
  });

  test(`${d}: a task the config does not list stays READY and status reports it as unrunnable`, async (t) => {
    const { env, backend } = await ready(t);
    const known = await backend.enqueue(add, [1, 1]);
    const unknown = await backend.enqueue(ghost, []);
    ok(t, await runCli(["worker", "--batch"], { env }));
    t.deepEqual(await statuses(backend, [known.id, unknown.id]), ["SUCCESSFUL", "READY"]);

    const human = await runCli(["status"], { env });
    ok(t, human);
    t.regex(human.stdout, /^default\s+1\s+0\s+1\s+0\s+2$/m);
    t.regex(human.stdout, /Due now: 1 READY task/);
    t.regex(human.stdout, /READY tasks no registered task can run[\s\S]*cli\.ghost\s+1/);

    const json = await runCli(["status", "--json"], { env });
    ok(t, json);
    const report = JSON.parse(json.stdout) as { unrunnable: unknown; pending: number; counts: unknown[] };
    t.deepEqual(report.unrunnable, [{ taskPath: "cli.ghost", count: 1 }]);
    t.is(report.pending, 1);
    t.true(Array.isArray(report.counts));
  });

  test(`${d}: --queue and --exclude-queues choose what a worker takes`, async (t) => {
    const { env, backend } = await ready(t);
    const ids = [(await backend.enqueue(add, [2, 2])).id, (await backend.enqueue(sendEmail, ["a@example.com"])).id, (await backend.enqueue(buildReport, ["2026-01-01"])).id];
    ok(t, await runCli(["worker", "--batch", "--queue", "emails"], { env }));
    t.deepEqual(await statuses(backend, ids), ["READY", "SUCCESSFUL", "READY"]);
    ok(t, await runCli(["worker", "--batch", "--exclude-queues", "reports,emails"], { env }));
    t.deepEqual(await statuses(backend, ids), ["SUCCESSFUL", "SUCCESSFUL", "READY"]);
    ok(t, await runCli(["worker", "--batch", "--queue", "*"], { env }));
    t.deepEqual(await statuses(backend, ids), ["SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"]);
  });

  test(`${d}: --max-tasks 1 runs one task and exits, even without --batch`, async (t) => {
    const { env, backend } = await ready(t);
    const ids = await Promise.all([1, 2, 3].map(async (i) => (await backend.enqueue(add, [i, i])).id));
    const run = await runCli(["worker", "--max-tasks", "1", "--interval", "0.1"], { env });
    ok(t, run);
    const s = await statuses(backend, ids);
    t.is(s.filter((x) => x === "SUCCESSFUL").length, 1);
    t.is(s.filter((x) => x === "READY").length, 2);
    t.regex(run.stderr, /processed 1 task\(s\).*exit: reached --max-tasks/);
  });

  test(`${d}: SIGTERM lets the running task finish, then the worker exits 0`, async (t) => {
    const { env, backend } = await ready(t);
    const gateDir = mkdtempSync(join(tmpdir(), "errand-gate-"));
    t.teardown(() => rmSync(gateDir, { recursive: true, force: true }));
    const gate = join(gateDir, "open");
    const r = await backend.enqueue(gated, [gate]);
    // Info logs, to see when the worker has taken the signal.
    const worker = spawnCli(["worker", "--interval", "0.1", "--worker-id", "term-worker"], { env: { ...env, ERRAND_LOG_LEVEL: "info" } });
    await waitFor(async () => (await backend.getResult(r.id)).status === "RUNNING", "the task to start");
    const status = await runCli(["status"], { env });
    t.regex(status.stdout, /Running \(1\):[\s\S]*cli\.gated\s+default\s+term-worker\s+1\s+\S+ \(in \d+s\)/);
    worker.child.kill("SIGTERM");
    await waitFor(() => worker.stderr.includes("received SIGTERM"), "the worker to take the signal");
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.is(worker.child.exitCode, null, "the worker waits for its running task");
    writeFileSync(gate, "");
    const done = await worker.done;
    ok(t, done);
    const stored = await backend.getResult(r.id);
    t.is(stored.status, "SUCCESSFUL");
    t.is(stored.returnValue, "released");
    t.regex(done.stderr, /processed 1 task\(s\).*exit: stopped by SIGTERM/);
  });

  test(`${d}: a second SIGTERM aborts the running task, which goes back to READY`, async (t) => {
    const { env, backend } = await ready(t);
    const r = await backend.enqueue(slow, [30_000]);
    const worker = spawnCli(["worker", "--interval", "0.1"], { env: { ...env, ERRAND_LOG_LEVEL: "info" } });
    await waitFor(async () => (await backend.getResult(r.id)).status === "RUNNING", "the task to start");
    worker.child.kill("SIGTERM");
    await waitFor(() => worker.stderr.includes("received SIGTERM"), "the worker to take the first signal");
    worker.child.kill("SIGTERM");
    const done = await worker.done;
    ok(t, done);
    t.is((await backend.getResult(r.id)).status, "READY");
  });

  test(`${d}: purge --dry-run counts, purge deletes only finished tasks`, async (t) => {
    const { env, backend } = await ready(t);
    const finished = [(await backend.enqueue(add, [1, 2])).id, (await backend.enqueue(add, [3, 4])).id, (await backend.enqueue(fail, [])).id];
    const waiting = (await backend.enqueue(ghost, [])).id;
    ok(t, await runCli(["worker", "--batch"], { env }));

    const dry = await runCli(["purge", "--dry-run"], { env });
    ok(t, dry);
    t.regex(dry.stdout, /^Would delete 3 finished tasks \(SUCCESSFUL, FAILED\) \(dry run: nothing deleted\)\.$/m);
    t.deepEqual(await statuses(backend, [...finished, waiting]), ["SUCCESSFUL", "SUCCESSFUL", "FAILED", "READY"]);
    const old = await runCli(["purge", "--days", "7", "--dry-run"], { env });
    t.regex(old.stdout, /Would delete 0 finished tasks \(SUCCESSFUL, FAILED\) older than 7 days/);
    const failedOnly = await runCli(["purge", "--status", "FAILED", "--dry-run"], { env });
    t.regex(failedOnly.stdout, /Would delete 1 finished tasks \(FAILED\)/);

    const purge = await runCli(["purge", "--batch-size", "2"], { env });
    ok(t, purge);
    t.regex(purge.stdout, /^Deleted 3 of 3 finished tasks \(SUCCESSFUL, FAILED\)\.$/m);
    t.regex(purge.stderr, /Deleting: 2\/3\nDeleting: 3\/3/); // not a terminal: plain progress lines
    for (const id of finished) await t.throwsAsync(() => backend.getResult(id), { name: "TaskResultDoesNotExistError" });
    t.is((await backend.getResult(waiting)).status, "READY");
  });
}
