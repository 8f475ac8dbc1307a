/**
 * `errand queues`: lists queues with their counts, paused state and limits; `pause NAME` stops
 * claims of the queue's tasks (a worker runs others meanwhile) and `resume NAME` lets them run;
 * `errand status` shows the paused queues.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { assertBuilt, FIXTURES, runCli, spawnCli, waitFor } from "./_helpers/cli.js";
import { pgStores, sqliteStores, type StoreFactory } from "./_helpers/stores.js";
import { statuses } from "./_helpers/tasks-db.js";
import { fixtureTasks } from "./_helpers/tasks-db.js";
import { held } from "../fixtures/cli/limits-tasks.js";

assertBuilt();
const CONFIG = join(FIXTURES, "limits.config.ts");
const factories: StoreFactory[] = [sqliteStores()];
if (process.env.ERRAND_TEST_PG_URL) factories.push(pgStores(process.env.ERRAND_TEST_PG_URL));
const dir = mkdtempSync(join(tmpdir(), "errand-queues-"));
test.after.always(async () => {
  for (const f of factories) await f.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const read = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

test("errand queues --help and the pause/resume subcommands' help", async (t) => {
  const help = await runCli(["queues", "--help"]);
  t.is(help.code, 0, help.stderr);
  t.regex(help.stdout, /errand queues pause emails/);
  for (const verb of ["pause", "resume"]) {
    const sub = await runCli(["queues", verb, "--help"]);
    t.is(sub.code, 0, sub.stderr);
    t.regex(sub.stdout, new RegExp(`Usage: errand queues ${verb} \\[options\\] <name>`));
  }
  const missing = await runCli(["queues", "pause"]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /missing required argument 'name'/);
});

for (const factory of factories) {
  test.serial(`${factory.dialect}: a paused queue's task stays READY while the worker runs others, and runs after resume`, async (t) => {
    const { env, backend, needsMigrate } = await factory.create();
    if (needsMigrate) t.is((await runCli(["migrate", "--config", CONFIG], { env })).code, 0);
    const paused = await runCli(["queues", "pause", "held", "--config", CONFIG], { env });
    t.is(paused.code, 0, paused.stderr);
    t.regex(paused.stdout, /Queue 'held' of backend 'default' is paused\./);

    const heldLog = join(dir, `${factory.dialect}-held.log`);
    const witnessLog = join(dir, `${factory.dialect}-witness.log`);
    const [heldTask] = await backend.enqueueMany(held, [[heldLog]]);
    // Enqueued together with the held one: once it ran, the worker has claimed past the paused task.
    await backend.enqueueMany(fixtureTasks.record, [[witnessLog, "witness", 0]]);

    const listed = await runCli(["queues", "--json", "--config", CONFIG], { env });
    t.is(listed.code, 0, listed.stderr);
    const report = JSON.parse(listed.stdout) as { queues: { name: string; paused: boolean; counts: Record<string, number>; limits: unknown }[] };
    t.like(report.queues.find((q) => q.name === "held"), { paused: true, counts: { READY: 1, RUNNING: 0 } });
    t.like(report.queues.find((q) => q.name === "rated"), { paused: false, limits: { rateLimit: { limit: 50, perMs: 1000 } } });
    const text = await runCli(["queues", "--config", CONFIG], { env });
    t.regex(text.stdout, /^held +paused +1 +0 +0 +0 +-$/m);
    t.regex(text.stdout, /^rated +active +0 +0 +0 +0 +rate 50\/1000ms$/m);
    const status = await runCli(["status", "--config", CONFIG], { env });
    t.regex(status.stdout, /Paused queues .*: held\./);

    const worker = spawnCli(["worker", "--config", CONFIG, "--interval", "0.1"], { env });
    try {
      await waitFor(() => read(witnessLog).includes("witness"), "the witness task to run");
      t.deepEqual(await statuses(backend, [heldTask!.id]), ["READY"], "the paused queue's task was not claimed");
      const resumed = await runCli(["queues", "resume", "held", "--config", CONFIG], { env });
      t.is(resumed.code, 0, resumed.stderr);
      await waitFor(() => read(heldLog).includes("ran"), "the held task to run after resume");
      await waitFor(async () => (await statuses(backend, [heldTask!.id]))[0] === "SUCCESSFUL", "its outcome to be stored");
    } finally {
      worker.child.kill("SIGTERM");
      t.is((await worker.done).code, 0);
    }
    const after = JSON.parse((await runCli(["queues", "--json", "--config", CONFIG], { env })).stdout) as typeof report;
    t.like(after.queues.find((q) => q.name === "held"), { paused: false, counts: { SUCCESSFUL: 1 } });
  });
}
