import test from "ava";
import type { ChildProcess } from "node:child_process";
import { BullMQBackend } from "../../../backends/bullmq/index.js";
import { configureTasks, taskBackends } from "../../../src/index.js";
import { exited, spawnWorker } from "../../fixtures/chaos/spawn.js";
import { chaosWork } from "../../fixtures/chaos/tasks.js";
import { freshPrefix, startRedis } from "./support.js";

const redis = startRedis("chaos", 26387);
test.after.always(() => redis.stop());

// Small for CI: the guarantee, not the throughput, is under test (the database chaos test is the big one).
const TASKS = 1_000;
const WORKERS = 3;
/** Kill points, as a share of TASKS done. */
const KILL_AT = [0.2, 0.4, 0.6, 0.8];
const WAVE = TASKS / (KILL_AT.length + 1);

/*
 * As test/backends/database/chaos.test.ts, on Redis: kills are driven by progress (one worker is
 * SIGKILLed each time the SUCCESSFUL count passes 20, 40, 60 and 80 %), tasks come in five waves,
 * wave k+2 only after kill k, and the loop ends only after the fourth kill.
 */
test(`chaos on BullMQ: ${TASKS} tasks, ${WORKERS} worker processes, one SIGKILLed at 20/40/60/80 % done and replaced — none lost`, async (t) => {
  t.timeout(150_000);
  const prefix = freshPrefix();
  configureTasks({ default: { BACKEND: BullMQBackend, OPTIONS: { url: redis.url, prefix } } });
  const backend = taskBackends.default as BullMQBackend;
  const live = new Map<string, ChildProcess>();
  const killed = new Set<string>();
  const ids: string[] = [];
  try {
    let enqueued = 0;
    const enqueueWave = async () => {
      const args = Array.from({ length: WAVE }, (_, j) => enqueued + j).map((i) => [i, 20 + (i % 4) * 10] as [number, number]);
      ids.push(...(await chaosWork.enqueueMany(args)).map((r) => r.id));
      enqueued += WAVE;
    };
    await enqueueWave();
    await enqueueWave();
    let next = 0;
    const start = async () => {
      const id = `chaos-${next}`;
      // Odd workers prefetch: the guarantee must hold for tasks waiting in a local buffer too.
      live.set(id, await spawnWorker({ store: "bullmq", url: redis.url, prefix, workerId: id, leaseMs: 2_000, prefetch: next % 2 === 1 ? 16 : 0 }));
      next++;
    };
    for (let i = 0; i < WORKERS; i++) await start();
    // A failure guard only: the loop ends by progress.
    const deadline = Date.now() + 120_000;
    let kills = 0;
    let done = 0;
    let inFlightAtKill = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      done = (await backend.taskStore.statusCounts()).successful;
      if (kills < KILL_AT.length && done >= KILL_AT[kills]! * TASKS) {
        const [victimId, victim] = live.entries().next().value as [string, ChildProcess];
        if (done < enqueued) inFlightAtKill++;
        victim.kill("SIGKILL");
        await exited(victim);
        live.delete(victimId);
        killed.add(victimId);
        kills++;
        await start();
        if (enqueued < TASKS) await enqueueWave();
      } else if (done === TASKS) break;
    }
    t.is(done, TASKS, "every task finished SUCCESSFUL before the deadline");
    for (const child of live.values()) child.kill("SIGTERM");
    await Promise.all([...live.values()].map(exited));
    live.clear();

    const records = await Promise.all(ids.map((id) => backend.taskStore.get(id)));
    t.is(records.filter((r) => r !== undefined).length, TASKS, "no task lost");
    t.true(records.every((r) => r?.status === "SUCCESSFUL"));
    let reRuns = 0;
    for (const r of records) {
      if (!r) continue;
      t.is(r.errors.length, r.attempts - 1, `every extra attempt is explained by an error record: ${JSON.stringify(r)}`);
      for (const e of r.errors) {
        t.is(e.exceptionClassPath, "WorkerLostError");
        t.true([...killed].some((id) => e.traceback.includes(`'${id}'`)), "re-runs only for tasks whose worker was killed");
      }
      reRuns += r.attempts - 1;
    }
    t.is(kills, KILL_AT.length, "one kill at each of 20, 40, 60 and 80 % done");
    t.log(`tasks ${TASKS}, worker processes ${WORKERS} (+${kills} replacements), kills ${kills} (${inFlightAtKill} with work left), re-runs ${reRuns}, lost 0`);
  } finally {
    for (const child of live.values()) child.kill("SIGKILL");
    await taskBackends.close();
  }
});
