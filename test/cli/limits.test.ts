/**
 * Limits across processes (issue #17's figures), measured by the tasks themselves:
 * - `cli.limited` (concurrency limit 3) drained by 4 `errand worker` processes × concurrency 10:
 *   the most attempts any of them saw running at once is 3, on SQLite, PostgreSQL and MariaDB
 *   (each when its server is configured), and on BullMQ (a Redis of this file's own, port 26399);
 * - the queue `rated` (rateLimit 50 per 1000 ms): the starts in the first 10 s, and in every
 *   sliding 10 s, stay within 10 % of 500 (the most in one sliding second is logged).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { assertBuilt, FIXTURES, runCli, spawnCli } from "./_helpers/cli.js";
import { mysqlStores, pgStores, sqliteStores, type StoreFactory } from "./_helpers/stores.js";
import { limited, rated } from "../fixtures/cli/limits-tasks.js";
import { freshBackend, startRedis } from "../backends/bullmq/support.js";

assertBuilt();
const CONFIG = join(FIXTURES, "limits.config.ts");
const TASKS = 500;
const factories: StoreFactory[] = [sqliteStores()];
if (process.env.ERRAND_TEST_PG_URL) factories.push(pgStores(process.env.ERRAND_TEST_PG_URL));
if (process.env.ERRAND_TEST_MARIADB_URL) factories.push(mysqlStores(process.env.ERRAND_TEST_MARIADB_URL, "mariadb"));
const dir = mkdtempSync(join(tmpdir(), "errand-limits-"));
test.after.always(async () => {
  for (const f of factories) await f.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (path: string): string[] => readFileSync(path, "utf8").trim().split("\n").filter(Boolean);

async function prepared(factory: StoreFactory) {
  const store = await factory.create();
  if (store.needsMigrate) {
    const migrated = await runCli(["migrate", "--config", CONFIG], { env: store.env });
    if (migrated.code !== 0) throw new Error(migrated.stderr);
  }
  return store;
}

for (const factory of factories) {
  test.serial(`${factory.dialect}: concurrency limit 3, 4 workers × concurrency 10 draining ${TASKS} tasks: at most 3 run at once`, async (t) => {
    const { env, backend } = await prepared(factory);
    const running = join(dir, `${factory.dialect}-running`);
    mkdirSync(running);
    const log = join(dir, `${factory.dialect}-seen.log`);
    await backend.enqueueMany(limited, Array.from({ length: TASKS }, () => [running, log, 15]));

    const args = ["worker", "--config", CONFIG, "--batch", "--concurrency", "10", "--interval", "0.05"];
    const workers = [1, 2, 3, 4].map((i) => spawnCli([...args, "--worker-id", `w${i}`], { env }));
    for (const r of await Promise.all(workers.map((w) => w.done))) t.is(r.code, 0, r.stderr);

    const seen = lines(log).map(Number);
    t.is(seen.length, TASKS, "every task ran once");
    const max = Math.max(...seen);
    t.log(`${factory.dialect}: most attempts seen running at once: ${max} (of ${TASKS} attempts)`);
    t.is(max, 3);
    const status = await runCli(["status", "--json", "--config", CONFIG], { env });
    const report = JSON.parse(status.stdout) as { counts: { status: string; count: number }[] };
    t.deepEqual(report.counts.map((c) => [c.status, c.count]), [["SUCCESSFUL", TASKS]]);
  });
}

test.serial(`bullmq: concurrency limit 3, 4 workers × concurrency 10 draining ${TASKS} tasks: at most 3 run at once`, async (t) => {
  const redis = startRedis("limits", 26399);
  const backend = freshBackend(redis.url);
  try {
    const env = { ERRAND_TEST_REDIS_URL: redis.url, ERRAND_TEST_REDIS_PREFIX: backend.prefix };
    const config = join(FIXTURES, "limits-bullmq.config.ts");
    const running = join(dir, "bullmq-running");
    mkdirSync(running);
    const log = join(dir, "bullmq-seen.log");
    await backend.enqueueMany(limited, Array.from({ length: TASKS }, () => [running, log, 15]));

    const args = ["worker", "--config", config, "--batch", "--concurrency", "10", "--interval", "0.05"];
    const workers = [1, 2, 3, 4].map((i) => spawnCli([...args, "--worker-id", `w${i}`], { env }));
    for (const r of await Promise.all(workers.map((w) => w.done))) t.is(r.code, 0, r.stderr);

    const seen = lines(log).map(Number);
    t.is(seen.length, TASKS, "every task ran once");
    const max = Math.max(...seen);
    t.log(`bullmq: most attempts seen running at once: ${max} (of ${TASKS} attempts)`);
    t.is(max, 3);
    const status = await runCli(["status", "--json", "--config", config], { env });
    const report = JSON.parse(status.stdout) as { counts: { status: string; count: number }[] };
    t.deepEqual(report.counts.map((c) => [c.status, c.count]), [["SUCCESSFUL", TASKS]]);
  } finally {
    await backend.close();
    redis.stop();
  }
});

// The rate figure on one store: PostgreSQL when configured, else SQLite.
const rateStore = factories.find((f) => f.dialect === "postgresql") ?? factories[0]!;
test.serial(`${rateStore.dialect}: a rate limit of 50 per second holds within 10 % over 10 s, across 2 workers`, async (t) => {
  const { env, backend } = await prepared(rateStore);
  const log = join(dir, "rated.log");
  const total = 600; // more than 10 s' worth, so the limit, not the supply, sets the pace
  await backend.enqueueMany(rated, Array.from({ length: total }, () => [log]));
  const args = ["worker", "--config", CONFIG, "--batch", "--concurrency", "10", "--interval", "0.02"];
  const workers = [1, 2].map((i) => spawnCli([...args, "--worker-id", `r${i}`], { env }));
  for (const r of await Promise.all(workers.map((w) => w.done))) t.is(r.code, 0, r.stderr);

  const starts = lines(log).map(Number).sort((a, b) => a - b);
  t.is(starts.length, total, "every task ran (the batch workers waited out the rate limit rather than exiting)");
  const t0 = starts[0]!;
  const inTenSeconds = starts.filter((s) => s < t0 + 10_000).length;
  /** The most starts in any window of `ms` (windows beginning at each start). */
  const most = (ms: number): number => {
    let max = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (j < starts.length && starts[j]! < starts[i]! + ms) j++;
      max = Math.max(max, j - i);
    }
    return max;
  };
  const [perTen, perSecond] = [most(10_000), most(1000)];
  t.log(
    `${rateStore.dialect}: ${inTenSeconds} starts in the first 10 s, at most ${perTen} in any sliding 10 s (limit 500); ` +
      `at most ${perSecond} in any sliding second (limit 50); load average ${loadavg()[0]!.toFixed(1)}`,
  );
  // The figure: the rate over 10 s, within 10 %, from the start and in every sliding window.
  // (A single second can show a batch more when a loaded machine delays a worker's tasks after their
  // claim; the store's own stamps hold the limit, the tasks' clocks see the dispatch delay too.)
  t.true(inTenSeconds >= 450 && inTenSeconds <= 550, `${inTenSeconds} starts in the first 10 s: within 10 % of 500`);
  t.true(perTen <= 550, `${perTen} starts in one sliding 10 s: within 10 % of 500`);
});
