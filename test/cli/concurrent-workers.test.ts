// Two worker processes on one PostgreSQL table never run a task twice (FOR UPDATE SKIP LOCKED claims).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { assertBuilt, runCli, spawnCli } from "./_helpers/cli.js";

const PG_URL = process.env.ERRAND_TEST_PG_URL;
const TASKS = 300;

if (!PG_URL) {
  test.skip("two concurrent workers on PostgreSQL (set ERRAND_TEST_PG_URL to run it)", () => {});
} else {
  assertBuilt();
  const { pgStores } = await import("./_helpers/stores.js");
  const { fixtureTasks } = await import("./_helpers/tasks-db.js");
  const stores = pgStores(PG_URL);
  const dir = mkdtempSync(join(tmpdir(), "errand-cli-concurrent-"));
  test.after.always(async () => {
    await stores.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`two "worker --batch --concurrency 4" processes run each of ${TASKS} tasks exactly once`, async (t) => {
    const { env, backend } = await stores.create();
    const migrated = await runCli(["migrate"], { env });
    t.is(migrated.code, 0, migrated.stderr);
    const log = join(dir, "executions.log");
    // Each task appends its own id: a line per execution. A few ms each, so both workers get a share.
    const ids = Array.from({ length: TASKS }, (_, i) => `task-${i}`);
    await backend.enqueueMany(fixtureTasks.record, ids.map((id) => [log, id, 10]));

    const args = ["worker", "--batch", "--concurrency", "4", "--interval", "0.1"];
    const workers = [spawnCli([...args, "--worker-id", "w1"], { env }), spawnCli([...args, "--worker-id", "w2"], { env })];
    const runs = await Promise.all(workers.map((w) => w.done));
    for (const r of runs) t.is(r.code, 0, r.stderr);

    const lines = readFileSync(log, "utf8").trim().split("\n");
    const seen = new Map<string, number>();
    for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1);
    t.deepEqual(twice, [], "tasks that ran more than once");
    t.is(lines.length, TASKS);
    t.deepEqual([...seen.keys()].sort(), [...ids].sort());

    const status = await runCli(["status", "--json"], { env });
    const report = JSON.parse(status.stdout) as { counts: { status: string; count: number }[] };
    t.deepEqual(report.counts.map((c) => [c.status, c.count]), [["SUCCESSFUL", TASKS]]);
    const processed = runs.map((r) => Number(/processed (\d+) task/.exec(r.stderr)?.[1] ?? NaN));
    t.is(processed[0]! + processed[1]!, TASKS);
    t.log(`w1 ran ${processed[0]} tasks, w2 ran ${processed[1]}`);
  });
}
