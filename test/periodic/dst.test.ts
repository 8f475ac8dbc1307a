/**
 * DST with fixed instants (2026): Europe/Paris springs forward on 29 March (02:00 CET → 03:00 CEST,
 * at 01:00Z) and falls back on 25 October (03:00 CEST → 02:00 CET, at 01:00Z); America/New_York
 * springs forward on 8 March (02:00 EST → 03:00 EDT, at 07:00Z) and falls back on 1 November
 * (02:00 EDT → 01:00 EST, at 06:00Z).
 *
 * The rule (croner with fixedTimeRule "no-wildcard", see src/periodic/cron.ts): a fixed time that
 * does not exist runs once, at the first valid time after the gap (03:00 local); a fixed time that
 * occurs twice runs once, at its first occurrence (summer time). Expressions with `*` or a step in
 * their time fields are intervals of real time: they skip the gap and run on both passes.
 */
import test from "ava";
import { Scheduler } from "../../src/periodic/scheduler.js";
import { dueSlots, slotsBetween } from "../../src/periodic/slots.js";
import { at, iso, schedule } from "./fixtures.js";
import { MemoryPort } from "./memory-port.js";

const table: [string, string, string, string, string, string[]][] = [
  // what, zone, cron, from, to, expected slots (UTC)
  ["Paris 02:30 daily, spring forward: once, at 03:00 CEST", "Europe/Paris", "30 2 * * *", "2026-03-28T00:00:00Z", "2026-03-30T12:00:00Z",
    ["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]],
  ["Paris 02:30 daily (6 fields), spring forward: the same", "Europe/Paris", "0 30 2 * * *", "2026-03-28T00:00:00Z", "2026-03-30T12:00:00Z",
    ["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]],
  ["Paris 02:30 daily, fall back: once, at 02:30 CEST", "Europe/Paris", "30 2 * * *", "2026-10-24T00:00:00Z", "2026-10-26T12:00:00Z",
    ["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]],
  ["New York 02:30 daily, spring forward: once, at 03:00 EDT", "America/New_York", "30 2 * * *", "2026-03-07T00:00:00Z", "2026-03-09T12:00:00Z",
    ["2026-03-07T07:30:00.000Z", "2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"]],
  ["New York 01:30 daily, fall back: once, at 01:30 EDT", "America/New_York", "30 1 * * *", "2026-10-31T00:00:00Z", "2026-11-02T12:00:00Z",
    ["2026-10-31T05:30:00.000Z", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]],
  ["New York 01:30 and 13:30 (a list is fixed-time too), fall back: 01:30 once", "America/New_York", "30 1,13 * * *", "2026-11-01T00:00:00Z", "2026-11-01T23:59:59Z",
    ["2026-11-01T05:30:00.000Z", "2026-11-01T18:30:00.000Z"]],
  ["Paris every 30 min, spring forward: real half hours, no 02:xx", "Europe/Paris", "*/30 * * * *", "2026-03-29T00:00:00Z", "2026-03-29T01:30:00Z",
    ["2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z"]],
  ["Paris every 30 min, fall back: real half hours, both passes of 02:xx", "Europe/Paris", "*/30 * * * *", "2026-10-24T23:30:00Z", "2026-10-25T02:00:00Z",
    ["2026-10-25T00:00:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T01:30:00.000Z", "2026-10-25T02:00:00.000Z"]],
  ["New York hourly, fall back: every real hour (01:00 EDT and 01:00 EST)", "America/New_York", "0 * * * *", "2026-11-01T04:30:00Z", "2026-11-01T07:30:00Z",
    ["2026-11-01T05:00:00.000Z", "2026-11-01T06:00:00.000Z", "2026-11-01T07:00:00.000Z"]],
];

for (const [what, timezone, cron, from, to, expected] of table) {
  test(what, (t) => {
    t.deepEqual(iso(slotsBetween(schedule({ cron, timezone }), at(from), at(to), 100)), expected);
    // dueSlots walks backwards from now (catch-up): it must find the very same slots.
    const due = dueSlots(schedule({ cron, timezone, catchUp: "all" }), at(from), at(to), { catchUpCap: 100 });
    t.deepEqual(iso(due.slots), expected);
    t.deepEqual(iso(dueSlots(schedule({ cron, timezone }), at(from), at(to)).slots), expected.slice(-1));
  });
}

/** Runs a scheduler on a fake clock ticking every `stepMs` from `from` to `to`; returns the slots enqueued. */
async function runNight(cron: string, timezone: string, from: string, to: string, stepMs: number): Promise<string[]> {
  const port = new MemoryPort();
  const s = schedule({ cron, timezone }, "nightly");
  const scheduler = new Scheduler([s], port.as("w1"));
  for (let now = +at(from); now <= +at(to); now += stepMs) await scheduler.tick(new Date(now));
  for (const [id, n] of port.enqueued) if (n !== 1) throw new Error(`${id} enqueued ${n} times`);
  return port.slotsOf("nightly");
}

const nights: [string, string, string, string, string, string[]][] = [
  // what, cron, zone, from, to (a fake clock ticking every minute), the one slot expected
  ["02:30 daily, Paris spring-forward night (03:00 CEST)", "30 2 * * *", "Europe/Paris", "2026-03-28T23:00:00Z", "2026-03-29T03:00:00Z", ["nightly@2026-03-29T01:00:00.000Z"]],
  ["02:30 daily, Paris fall-back night (02:30 CEST)", "30 2 * * *", "Europe/Paris", "2026-10-24T22:00:00Z", "2026-10-25T03:00:00Z", ["nightly@2026-10-25T00:30:00.000Z"]],
  ["02:30 daily, New York spring-forward night (03:00 EDT)", "30 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", "2026-03-08T09:00:00Z", ["nightly@2026-03-08T07:00:00.000Z"]],
  ["02:30 daily, New York fall-back night (02:30 EST, not repeated there)", "30 2 * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T09:00:00Z", ["nightly@2026-11-01T07:30:00.000Z"]],
  ["01:30 daily, New York fall-back night (01:30 EDT, not again at 01:30 EST)", "30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T09:00:00Z", ["nightly@2026-11-01T05:30:00.000Z"]],
];

for (const [what, cron, timezone, from, to, expected] of nights) {
  test(`a scheduler on a fake clock, ${what}: exactly one run`, async (t) => {
    t.deepEqual(await runNight(cron, timezone, from, to, 60_000), expected);
  });
}
