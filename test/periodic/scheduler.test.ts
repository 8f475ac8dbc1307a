/** The Scheduler over an in-memory port: exactly once per slot across racing schedulers, catch-up, config changes, store errors. */
import test from "ava";
import type { Clock } from "../../src/periodic/clock.js";
import { Scheduler, type TickReport } from "../../src/periodic/scheduler.js";
import { slotId, slotsBetween } from "../../src/periodic/slots.js";
import { at, schedule } from "./fixtures.js";
import { MemoryPort } from "./memory-port.js";

/** Preloads a slot row, as if an earlier worker had enqueued it. */
function record(port: MemoryPort, key: string, fireTime: string, cron: string, timezone = "UTC"): void {
  const d = at(fireTime);
  port.rows.set(slotId(key, d), { key, fireTime: d, cron, timezone, by: "earlier" });
}

test("two schedulers racing on one port: every slot enqueued exactly once, none missing", async (t) => {
  const port = new MemoryPort();
  const everySecond = schedule({ cron: "* * * * * *" }, "everySecond");
  const everyTen = schedule({ cron: "*/10 * * * * *", catchUp: "all" }, "everyTen");
  const a = new Scheduler([everySecond, everyTen], port.as("a"));
  const b = new Scheduler([everyTen, everySecond], port.as("b"));
  const start = +at("2026-01-01T00:00:00.100Z");
  const end = start + 60_000;
  // a ticks every 250 ms, b every 400 ms, concurrently; their reads and writes interleave on the port.
  let taken = 0;
  for (let ms = 0; ms <= 60_000; ms += 50) {
    const ticks: Promise<TickReport>[] = [];
    if (ms % 250 === 0) ticks.push(a.tick(new Date(start + ms)));
    if (ms % 400 === 0) ticks.push(b.tick(new Date(start + ms)));
    for (const report of await Promise.all(ticks)) taken += report.outcomes.filter((o) => o.status === "taken").length;
  }
  // The interleaving is deterministic (no I/O): both enqueue some slots and lose some races.
  t.true(taken > 0);
  t.true([...port.rows.values()].some((r) => r.by === "a") && [...port.rows.values()].some((r) => r.by === "b"));
  for (const s of [everySecond, everyTen]) {
    const expected = slotsBetween(s, new Date(start), new Date(end), 1000).map((d) => slotId(s.key, d));
    t.deepEqual(port.slotsOf(s.key), expected, s.key);
  }
  t.is(port.slotsOf("everySecond").length, 60);
  t.is(port.slotsOf("everyTen").length, 6);
  t.true([...port.enqueued.values()].every((n) => n === 1));
});

test("a schedule's first start enqueues nothing from the past, then its first slot after the start", async (t) => {
  const port = new MemoryPort();
  const scheduler = new Scheduler([schedule({ cron: "0 * * * *", catchUp: "all" }, "hourly")], port.as("w"));
  t.deepEqual((await scheduler.tick(at("2026-01-01T12:30:00Z"))).outcomes, []);
  t.deepEqual((await scheduler.tick(at("2026-01-01T12:59:59Z"))).outcomes, []);
  const report = await scheduler.tick(at("2026-01-01T13:00:00.200Z"));
  t.deepEqual(report.outcomes, [{ key: "hourly", fireTime: at("2026-01-01T13:00:00Z"), status: "enqueued" }]);
});

test("slots missed while no worker ran: the latest once by default, all with catchUp all, capped and reported", async (t) => {
  const port = new MemoryPort();
  for (const key of ["latest", "all", "capped"]) record(port, key, "2026-01-01T07:00:00Z", "0 * * * *");
  const scheduler = new Scheduler(
    [schedule({ cron: "0 * * * *" }, "latest"), schedule({ cron: "0 * * * *", catchUp: "all" }, "all")],
    port.as("w"),
  );
  const report = await scheduler.tick(at("2026-01-01T12:30:00Z"));
  t.deepEqual(port.slotsOf("latest"), ["latest@2026-01-01T07:00:00.000Z", "latest@2026-01-01T12:00:00.000Z"]);
  t.is(port.slotsOf("all").length, 6);
  t.deepEqual(report.capped, []);
  const small = new Scheduler([schedule({ cron: "0 * * * *", catchUp: "all" }, "capped")], port.as("w"), { catchUpCap: 2 });
  const cappedReport = await small.tick(at("2026-01-01T12:30:00Z"));
  t.deepEqual(cappedReport.capped, [{ key: "capped", cap: 2 }]);
  t.deepEqual(port.slotsOf("capped"), ["capped@2026-01-01T07:00:00.000Z", "capped@2026-01-01T11:00:00.000Z", "capped@2026-01-01T12:00:00.000Z"]);
});

test("a removed schedule never fires: the scheduler only looks at the schedules it is given", async (t) => {
  const port = new MemoryPort();
  record(port, "removed", "2026-01-01T07:00:00Z", "0 * * * *");
  const keysRead: string[] = [];
  const view = port.as("w");
  const scheduler = new Scheduler([schedule({ cron: "0 * * * *" }, "kept")], { ...view, lastSlot: (key) => (keysRead.push(key), view.lastSlot(key)) });
  await scheduler.tick(at("2026-01-01T12:30:00Z"));
  await scheduler.tick(at("2026-01-01T13:00:00Z"));
  t.deepEqual(port.slotsOf("removed"), ["removed@2026-01-01T07:00:00.000Z"]);
  t.deepEqual(port.slotsOf("kept"), ["kept@2026-01-01T13:00:00.000Z"]);
  t.false(keysRead.includes("removed"));
});

test("a changed cron takes effect from its next slot: no past slot of the new expression fires at start", async (t) => {
  const port = new MemoryPort();
  record(port, "nightly", "2026-01-01T03:00:00Z", "0 3 * * *");
  // Restart at 10:00 with 04:00 instead of 03:00: today's 04:00 is past and belongs to no run of the old config.
  const scheduler = new Scheduler([schedule({ cron: "0 4 * * *" }, "nightly")], port.as("w"));
  t.deepEqual((await scheduler.tick(at("2026-01-01T10:00:00Z"))).outcomes, []);
  await scheduler.tick(at("2026-01-02T03:00:00Z"));
  await scheduler.tick(at("2026-01-02T04:00:00Z"));
  t.deepEqual(port.slotsOf("nightly"), ["nightly@2026-01-01T03:00:00.000Z", "nightly@2026-01-02T04:00:00.000Z"]);
});

test("an unchanged cron catches up after a restart (the missed slot was not a config change)", async (t) => {
  const port = new MemoryPort();
  record(port, "nightly", "2025-12-31T03:00:00Z", "0 3 * * *");
  const scheduler = new Scheduler([schedule({ cron: "0 3 * * *" }, "nightly")], port.as("w"));
  await scheduler.tick(at("2026-01-01T10:00:00Z"));
  t.deepEqual(port.slotsOf("nightly"), ["nightly@2025-12-31T03:00:00.000Z", "nightly@2026-01-01T03:00:00.000Z"]);
});

test("a changed schedule never re-fires a slot recorded after its start (a worker with the old config still running)", async (t) => {
  const port = new MemoryPort();
  const scheduler = new Scheduler([schedule({ cron: "0,30 * * * *" }, "half")], port.as("new"));
  await scheduler.tick(at("2026-01-01T10:20:00Z"));
  record(port, "half", "2026-01-01T10:30:00Z", "*/30 * * * *"); // the old worker, same times written differently
  const report = await scheduler.tick(at("2026-01-01T10:31:00Z"));
  t.deepEqual(report.outcomes, []);
  await scheduler.tick(at("2026-01-01T11:00:00Z"));
  t.deepEqual(port.slotsOf("half"), ["half@2026-01-01T10:30:00.000Z", "half@2026-01-01T11:00:00.000Z"]);
  t.is(port.rows.get("half@2026-01-01T11:00:00.000Z")!.cron, "0,30 * * * *");
});

test("a store error is reported, the next wake-up is the retry time, and the slot is enqueued at the next tick", async (t) => {
  const port = new MemoryPort();
  const scheduler = new Scheduler([schedule({ cron: "0 * * * *" }, "hourly")], port.as("w"), { retryDelayMs: 2000 });
  await scheduler.tick(at("2026-01-01T12:30:00Z"));
  port.failWith = new Error("connection refused");
  const failed = await scheduler.tick(at("2026-01-01T13:00:00Z"));
  t.like(failed.outcomes[0], { key: "hourly", fireTime: null, status: "failed", error: port.failWith });
  t.deepEqual(scheduler.nextWakeAt(at("2026-01-01T13:00:00Z")), at("2026-01-01T13:00:02Z"));
  port.failWith = undefined;
  const retried = await scheduler.tick(at("2026-01-01T13:00:02Z"));
  t.deepEqual(retried.outcomes, [{ key: "hourly", fireTime: at("2026-01-01T13:00:00Z"), status: "enqueued" }]);
  t.deepEqual(scheduler.nextWakeAt(at("2026-01-01T13:00:02Z")), at("2026-01-01T14:00:00Z"));
});

test("nextWakeAt is the earliest next slot of any schedule, null without schedules", (t) => {
  const port = new MemoryPort();
  const scheduler = new Scheduler([schedule({ cron: "0 * * * *" }, "h"), schedule({ cron: "*/15 * * * *" }, "q")], port.as("w"));
  t.deepEqual(scheduler.nextWakeAt(at("2026-01-01T12:31:00Z")), at("2026-01-01T12:45:00Z"));
  t.is(new Scheduler([], port.as("w")).nextWakeAt(at("2026-01-01T12:31:00Z")), null);
  t.throws(() => new Scheduler([], port.as("w"), { catchUpCap: 0 }), { message: "Scheduler catchUpCap must be a whole number >= 1; got 0." });
});

test("run() ticks at each wake-up time of an injected clock until aborted", async (t) => {
  const port = new MemoryPort();
  let now = at("2026-01-01T00:00:00.500Z");
  const wakes: (string | null)[] = [];
  const clock: Clock = {
    now: () => now,
    async sleepUntil(wake) {
      wakes.push(wake?.toISOString() ?? null);
      if (wake) now = new Date(wake.getTime() + 7); // wake a little late, as timers do
    },
  };
  const stop = new AbortController();
  const scheduler = new Scheduler([schedule({ cron: "*/10 * * * * *" }, "ten")], port.as("w"));
  await scheduler.run(clock, stop.signal, () => {
    if (port.rows.size === 3) stop.abort();
  });
  t.deepEqual(port.slotsOf("ten"), ["ten@2026-01-01T00:00:10.000Z", "ten@2026-01-01T00:00:20.000Z", "ten@2026-01-01T00:00:30.000Z"]);
  t.deepEqual(wakes, ["2026-01-01T00:00:10.000Z", "2026-01-01T00:00:20.000Z", "2026-01-01T00:00:30.000Z"]);
});
