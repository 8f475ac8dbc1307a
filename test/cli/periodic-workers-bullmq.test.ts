/**
 * Periodic tasks across worker PROCESSES on BullMQ (DESIGN §6), as periodic-workers.test.ts on the
 * SQL stores: three `errand worker` processes on one Redis (this file's own, port 26390) schedule a
 * 1-second cron; counted by the tasks' scheduledAt, each slot is enqueued exactly once, none is
 * missing, and each runs once. Driven by progress (until N slots ran), never by timing.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { BullMQBackend } from "../../backends/bullmq/index.js";
import { freshPrefix, startRedis } from "../backends/bullmq/support.js";
import { assertBuilt, FIXTURES, spawnCli, waitFor } from "./_helpers/cli.js";

assertBuilt();
const SLOTS = Number(process.env.ERRAND_TEST_PERIODIC_SECONDS ?? 8);
const redis = startRedis("periodic", 26390);
const dir = mkdtempSync(join(tmpdir(), "errand-periodic-bq-"));
test.after.always(() => {
  redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Executions per slot, from the log the task appends to (`<slot ISO> <pid>` lines). */
function executions(log: string): Map<string, number> {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    // Nothing ran yet.
  }
  const perSlot = new Map<string, number>();
  for (const line of text.split("\n").filter(Boolean)) {
    const slot = line.split(" ")[0]!;
    perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
  }
  return perSlot;
}

test("bullmq: 3 worker processes, a 1-second schedule: each slot enqueued and run exactly once, none missing", async (t) => {
  const prefix = freshPrefix();
  const log = join(dir, "bullmq.log");
  const env = { ERRAND_TEST_REDIS_URL: redis.url, ERRAND_TEST_REDIS_PREFIX: prefix, ERRAND_TEST_PERIODIC_LOG: log };
  const config = join(FIXTURES, "periodic-bullmq.config.ts");
  const args = (i: number) => ["worker", "--config", config, "--concurrency", "2", "--interval", "0.2", "--worker-id", `w${i}`];
  const workers = Array.from({ length: 3 }, (_, i) => spawnCli(args(i), { env, timeoutMs: 240_000 }));
  await waitFor(() => executions(log).size >= SLOTS, `${SLOTS} slots to run`, 60_000 + SLOTS * 4000);
  for (const w of workers) w.child.kill("SIGTERM");
  for (const r of await Promise.all(workers.map((w) => w.done))) t.is(r.code, 0, r.stderr);

  const backend = new BullMQBackend("default", { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: { url: redis.url, prefix } });
  try {
    const page = await backend.taskStore.list({ limit: 100_000 });
    const records = await Promise.all(page.items.map((item) => backend.taskStore.get(item.id)));
    const fireTimes = records.map((r) => r!.scheduledAt!.getTime()).sort((a, b) => a - b);
    t.is(new Set(fireTimes).size, fireTimes.length, "no two tasks carry the same slot");
    t.true(fireTimes.length >= SLOTS, `at least ${SLOTS} slots (got ${fireTimes.length})`);
    const gaps = fireTimes.slice(1).filter((ms, i) => ms - fireTimes[i]! !== 1000);
    t.deepEqual(gaps.map((ms) => new Date(ms).toISOString()), [], "no slot missing between the first and the last");
    t.deepEqual((await backend.taskStore.slots.lastSlot("everySecond"))?.fireTime.getTime(), fireTimes.at(-1), "the record is the last slot");
    const perSlot = executions(log);
    const ready = records.filter((r) => r!.status === "READY");
    t.true(ready.length <= 4, `few READY at the stop (${ready.length})`);
    for (const r of records) {
      const n = perSlot.get(r!.scheduledAt!.toISOString()) ?? 0;
      if (r!.status === "READY") t.is(n, 0);
      else {
        t.is(r!.status, "SUCCESSFUL");
        t.is(n, 1, `slot ${r!.scheduledAt!.toISOString()} ran once`);
      }
    }
    t.log(`bullmq: 3 workers: ${fireTimes.length} slots, ${ready.length} READY at the stop`);
  } finally {
    await backend.close();
  }
});
