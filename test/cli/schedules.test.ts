// `errand schedules`: the config's periodic tasks, their next fire time and the last slot a worker
// enqueued (read from the slot table), in the schedule's zone and in UTC.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { assertBuilt, FIXTURES, runCli, spawnCli, waitFor } from "./_helpers/cli.js";
import { sqliteStores } from "./_helpers/stores.js";

assertBuilt();
const CONFIG = join(FIXTURES, "periodic.config.ts");
const stores = sqliteStores();
const dir = mkdtempSync(join(tmpdir(), "errand-schedules-"));
test.after.always(async () => {
  await stores.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  key: string;
  task: string;
  cron: string;
  timezone: string;
  next: string | null;
  last: string | null;
}

test("errand schedules lists each schedule with its next fire time, and the last slot once a worker enqueued one", async (t) => {
  const { env: storeEnv } = await stores.create();
  const log = join(dir, "ticks.log");
  const env = { ...storeEnv, ERRAND_TEST_PERIODIC_LOG: log };

  const before = await runCli(["schedules", "--config", CONFIG], { env });
  t.is(before.code, 0, before.stderr);
  t.regex(before.stdout, /^everySecond: cli\.periodicTick {2}cron "\* \* \* \* \* \*" {2}UTC$/m);
  t.regex(before.stdout, /^nightly: cli\.periodicTick {2}cron "30 2 \* \* \*" {2}Europe\/Paris$/m);
  // The nightly slot in Paris time with its offset, and the same instant in UTC.
  t.regex(before.stdout, /^ {2}next {2}\d{4}-\d\d-\d\d 02:30:00 GMT\+0[12]:00 {2}\(\d{4}-\d\d-\d\d 0[01]:30:00 UTC\)$/m);
  t.is(before.stdout.match(/last {2}- \(never enqueued\)/g)?.length, 2);

  // A worker enqueues and runs a few slots of everySecond; then the last one shows.
  const worker = spawnCli(["worker", "--config", CONFIG, "--interval", "0.2"], { env });
  const ran = () => {
    try {
      return readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]!);
    } catch {
      return [];
    }
  };
  await waitFor(() => ran().length >= 2, "2 slots to run");
  worker.child.kill("SIGTERM");
  t.is((await worker.done).code, 0);

  const json = await runCli(["schedules", "--config", CONFIG, "--json"], { env });
  t.is(json.code, 0, json.stderr);
  const lines = JSON.parse(json.stdout) as Line[];
  t.deepEqual(lines.map((l) => [l.key, l.cron, l.timezone]), [["everySecond", "* * * * * *", "UTC"], ["nightly", "30 2 * * *", "Europe/Paris"]]);
  const lastRun = ran().sort().at(-1)!;
  // The last slot recorded is at or after the last one that ran (one may be enqueued and not run at the stop).
  t.true(lines[0]!.last! >= lastRun, `${lines[0]!.last} >= ${lastRun}`);
  t.is(lines[1]!.last, null);
  t.true(Date.parse(lines[0]!.next!) > Date.parse(lines[0]!.last!));

  const text = await runCli(["schedules", "--config", CONFIG], { env });
  const utc = lines[0]!.last!.replace("T", " ").replace(/\.000Z$/, " UTC");
  t.true(text.stdout.includes(`  last  ${utc}`), text.stdout);
});

test("errand schedules with no periodic tasks says how to add them", async (t) => {
  const { env } = await stores.create();
  const r = await runCli(["schedules"], { env });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /No periodic tasks on backend 'default'\. Add them with defineConfig\(\{ periodic/);
});
