import test from "ava";
import { maxStoringFor, planClaim, planNext, type WorkerLoad } from "../../src/worker/claim-planner.js";

/** An idle worker with concurrency 1, no prefetch, no limit, long-running. */
const idle: WorkerLoad = {
  concurrency: 1, prefetch: 0, executing: 0, buffered: 0, storing: 0, maxStoring: 500,
  claimsLeft: Infinity, stopping: false, batch: false, lastClaim: null,
};
const load = (o: Partial<WorkerLoad>): WorkerLoad => ({ ...idle, maxStoring: maxStoringFor(o.concurrency ?? 1, o.prefetch ?? 0), ...o });

test("the storing bound is 500, or concurrency + prefetch when that is more", (t) => {
  t.deepEqual([maxStoringFor(1, 0), maxStoringFor(400, 100), maxStoringFor(400, 101), maxStoringFor(1000, 0)], [500, 500, 501, 1000]);
});

// [what, load, expected limit, expected reason]
const claimRows: [string, Partial<WorkerLoad>, number, string][] = [
  ["idle, concurrency 1", {}, 1, "slot-free"],
  ["idle, concurrency 4", { concurrency: 4 }, 4, "slot-free"],
  ["idle, concurrency 16", { concurrency: 16 }, 16, "slot-free"],
  ["2 of 4 slots busy", { concurrency: 4, executing: 2 }, 2, "slot-free"],
  ["every slot busy, no prefetch", { concurrency: 4, executing: 4 }, 0, "no-room"],
  ["concurrency 1 busy", { executing: 1 }, 0, "no-room"],
  ["idle with prefetch: slots plus buffer", { concurrency: 4, prefetch: 8 }, 12, "slot-free"],
  ["slots busy, buffer empty: refill", { concurrency: 4, prefetch: 8, executing: 4 }, 8, "refill-buffer"],
  ["slots busy, buffer at half: refill", { concurrency: 4, prefetch: 8, executing: 4, buffered: 4 }, 4, "refill-buffer"],
  ["slots busy, buffer above half: wait", { concurrency: 4, prefetch: 8, executing: 4, buffered: 5 }, 0, "buffer-above-half"],
  ["slots busy, buffer full", { concurrency: 4, prefetch: 8, executing: 4, buffered: 8 }, 0, "no-room"],
  ["prefetch 1, slots busy, buffer empty", { concurrency: 2, prefetch: 1, executing: 2 }, 1, "refill-buffer"],
  ["prefetch 1, slots busy, buffer 1", { concurrency: 2, prefetch: 1, executing: 2, buffered: 1 }, 0, "no-room"],
  ["prefetch 3, slots busy, buffer 1 (<= 1.5)", { concurrency: 2, prefetch: 3, executing: 2, buffered: 1 }, 2, "refill-buffer"],
  ["prefetch 3, slots busy, buffer 2 (> 1.5)", { concurrency: 2, prefetch: 3, executing: 2, buffered: 2 }, 0, "buffer-above-half"],
  ["a slot free with a buffer: claim the room", { concurrency: 4, prefetch: 4, executing: 3, buffered: 4 }, 1, "slot-free"],
  ["maxTasks caps the claim", { concurrency: 8, claimsLeft: 3 }, 3, "slot-free"],
  ["maxTasks above the room", { concurrency: 2, prefetch: 2, claimsLeft: 10 }, 4, "slot-free"],
  ["maxTasks reached", { concurrency: 8, claimsLeft: 0 }, 0, "max-tasks"],
  ["storing below the bound", { concurrency: 4, storing: 499 }, 4, "slot-free"],
  ["storing at the bound (500)", { concurrency: 4, storing: 500 }, 0, "storing"],
  ["storing bound grows with concurrency + prefetch", { concurrency: 600, prefetch: 10, storing: 600 }, 610, "slot-free"],
  ["storing at the grown bound", { concurrency: 600, prefetch: 10, storing: 610 }, 0, "storing"],
  ["stopping", { concurrency: 4, stopping: true }, 0, "stopping"],
  ["stopping wins over every other reason", { stopping: true, claimsLeft: 0, storing: 900 }, 0, "stopping"],
  ["max-tasks wins over storing", { claimsLeft: 0, storing: 900 }, 0, "max-tasks"],
];
for (const [what, o, limit, reason] of claimRows) {
  test(`planClaim: ${what}`, (t) => {
    t.deepEqual(planClaim(load(o)), { limit, reason });
  });
}

// [what, load, expected step]
const stepRows: [string, Partial<WorkerLoad>, ReturnType<typeof planNext>][] = [
  ["stopping exits", { stopping: true, executing: 1 }, { kind: "exit", reason: "stopped" }],
  ["idle: claim", {}, { kind: "claim", limit: 1, reason: "slot-free" }],
  ["maxTasks reached, buffer empty: exit even with tasks running", { claimsLeft: 0, executing: 1 }, { kind: "exit", reason: "max-tasks" }],
  ["maxTasks reached, buffer holds tasks: wait for slots", { concurrency: 1, prefetch: 2, claimsLeft: 0, executing: 1, buffered: 2 }, { kind: "sleep", until: "woken", reason: "max-tasks" }],
  ["slots busy: sleep until woken", { executing: 1 }, { kind: "sleep", until: "woken", reason: "no-room" }],
  ["storing back-pressure: sleep until woken", { concurrency: 4, storing: 500 }, { kind: "sleep", until: "woken", reason: "storing" }],
  ["buffer above half: sleep until woken", { concurrency: 1, prefetch: 4, executing: 1, buffered: 3 }, { kind: "sleep", until: "woken", reason: "buffer-above-half" }],
  ["a full claim: plan afresh and claim again", { concurrency: 4, lastClaim: { limit: 4, claimed: 4 } }, { kind: "claim", limit: 4, reason: "slot-free" }],
  ["a full claim that reached maxTasks: exit", { claimsLeft: 0, executing: 1, lastClaim: { limit: 1, claimed: 1 } }, { kind: "exit", reason: "max-tasks" }],
  ["an empty claim: poll after the interval", { lastClaim: { limit: 1, claimed: 0 } }, { kind: "sleep", until: "interval", reason: "nothing-due" }],
  ["a partial claim with free slots: poll", { concurrency: 4, executing: 2, lastClaim: { limit: 4, claimed: 2 } }, { kind: "sleep", until: "interval", reason: "nothing-due" }],
  ["a partial claim that filled the slots: sleep until woken", { concurrency: 4, executing: 4, lastClaim: { limit: 6, claimed: 4 } }, { kind: "sleep", until: "woken", reason: "nothing-due" }],
  ["an empty claim while storing is bound is impossible, but reports storing", { storing: 500, lastClaim: { limit: 1, claimed: 0 } }, { kind: "sleep", until: "woken", reason: "storing" }],
  ["batch: an empty claim with nothing in flight drains", { batch: true, lastClaim: { limit: 1, claimed: 0 } }, { kind: "exit", reason: "drained" }],
  ["batch: an empty claim during which a task settled looks again (a retry stored meanwhile was locked)", { batch: true, lastClaim: { limit: 1, claimed: 0, settledDuring: true } }, { kind: "claim", limit: 1, reason: "slot-free" }],
  ["batch: an empty claim with a task running waits for it", { batch: true, concurrency: 2, executing: 1, lastClaim: { limit: 1, claimed: 0 } }, { kind: "sleep", until: "woken", reason: "nothing-due" }],
  ["batch: an empty claim with an outcome being stored waits for it", { batch: true, concurrency: 2, storing: 1, lastClaim: { limit: 2, claimed: 0 } }, { kind: "sleep", until: "woken", reason: "nothing-due" }],
  ["batch: a partial claim does not drain", { batch: true, concurrency: 4, executing: 1, lastClaim: { limit: 4, claimed: 1 } }, { kind: "sleep", until: "woken", reason: "nothing-due" }],
  ["batch: no claim made (slots busy) never drains", { batch: true, executing: 1 }, { kind: "sleep", until: "woken", reason: "no-room" }],
  ["batch, idle: claim first", { batch: true }, { kind: "claim", limit: 1, reason: "slot-free" }],
  ["prefetch refill after a full claim", { concurrency: 2, prefetch: 4, executing: 2, lastClaim: { limit: 6, claimed: 6 } }, { kind: "claim", limit: 4, reason: "refill-buffer" }],
  ["maxTasks left below the room, partial claim: poll", { concurrency: 8, claimsLeft: 2, executing: 1, lastClaim: { limit: 3, claimed: 1 } }, { kind: "sleep", until: "interval", reason: "nothing-due" }],
];
for (const [what, o, step] of stepRows) {
  test(`planNext: ${what}`, (t) => {
    t.deepEqual(planNext(load(o)), step);
  });
}

test("planNext claims across concurrency 1..32 with any prefetch exactly the room when idle", (t) => {
  for (let concurrency = 1; concurrency <= 32; concurrency++) {
    for (const prefetch of [0, 1, 2, 7, 50]) {
      t.deepEqual(planNext(load({ concurrency, prefetch })), { kind: "claim", limit: concurrency + prefetch, reason: "slot-free" });
    }
  }
});
