/** The pure slot functions, with fixed instants. */
import test from "ava";
import { ErrandError } from "../../src/index.js";
import { dueSlots, latestSlot, nextSlot, slotId, slotsBetween } from "../../src/periodic/slots.js";
import { at, iso, schedule } from "./fixtures.js";

const everyMinute = schedule({ cron: "* * * * *" });
const everyTenSeconds = schedule({ cron: "*/10 * * * * *" });
const hourlyAll = schedule({ cron: "0 * * * *", catchUp: "all" });
const hourlyLatest = schedule({ cron: "0 * * * *" });

test("slotId: key @ ISO UTC fire time, stable and distinct even with @ in the key", (t) => {
  t.is(slotId("nightlyCleanup", at("2026-03-29T01:00:00Z")), "nightlyCleanup@2026-03-29T01:00:00.000Z");
  t.is(slotId("a@b", at("2026-01-01T00:00:00Z")), "a@b@2026-01-01T00:00:00.000Z");
  t.not(slotId("a", at("2026-01-01T00:00:00Z")), slotId("a@2026-01-01T00:00:00.000Z", at("2026-01-01T00:00:00Z")));
});

test("nextSlot is strictly after, in whole seconds; 6-field patterns have seconds", (t) => {
  t.is(nextSlot(everyMinute, at("2026-01-01T12:00:00Z"))!.toISOString(), "2026-01-01T12:01:00.000Z");
  t.is(nextSlot(everyMinute, at("2026-01-01T11:59:59.999Z"))!.toISOString(), "2026-01-01T12:00:00.000Z");
  t.is(nextSlot(everyTenSeconds, at("2026-01-01T12:00:00.500Z"))!.toISOString(), "2026-01-01T12:00:10.000Z");
  t.is(nextSlot(schedule({ cron: "0 3 * * *", timezone: "Europe/Paris" }), at("2026-01-01T12:00:00Z"))!.toISOString(), "2026-01-02T02:00:00.000Z");
});

test("latestSlot includes a slot exactly at the instant", (t) => {
  t.is(latestSlot(everyMinute, at("2026-01-01T12:00:00Z"))!.toISOString(), "2026-01-01T12:00:00.000Z");
  t.is(latestSlot(everyMinute, at("2026-01-01T12:00:59.999Z"))!.toISOString(), "2026-01-01T12:00:00.000Z");
});

test("slotsBetween is (from, to], oldest first, the first `cap` of them", (t) => {
  t.deepEqual(iso(slotsBetween(everyMinute, at("2026-01-01T12:00:00Z"), at("2026-01-01T12:03:00Z"), 10)), [
    "2026-01-01T12:01:00.000Z", "2026-01-01T12:02:00.000Z", "2026-01-01T12:03:00.000Z",
  ]);
  t.deepEqual(iso(slotsBetween(everyMinute, at("2026-01-01T12:00:00Z"), at("2026-01-01T12:03:00Z"), 2)), ["2026-01-01T12:01:00.000Z", "2026-01-01T12:02:00.000Z"]);
  t.deepEqual(slotsBetween(everyMinute, at("2026-01-01T12:00:00Z"), at("2026-01-01T12:00:59Z"), 10), []);
  t.throws(() => slotsBetween(everyMinute, at("2026-01-01T12:00:00Z"), at("2026-01-01T12:03:00Z"), 0), { instanceOf: ErrandError, message: "cap must be a whole number >= 1; got 0." });
});

const due: [string, ReturnType<typeof schedule>, string | null, string, number | undefined, string[], boolean][] = [
  // what, schedule, after (last slot), now, catchUpCap, expected slots, capped
  ["first start (no last slot): nothing from the past", hourlyAll, null, "2026-01-01T12:30:00Z", undefined, [], false],
  ["next slot still in the future", hourlyLatest, "2026-01-01T12:00:00Z", "2026-01-01T12:59:59.999Z", undefined, [], false],
  ["a tick exactly at the fire time", hourlyLatest, "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z", undefined, ["2026-01-01T13:00:00.000Z"], false],
  ["a tick a little late", hourlyLatest, "2026-01-01T12:00:00Z", "2026-01-01T13:00:02.345Z", undefined, ["2026-01-01T13:00:00.000Z"], false],
  ["now equals the last slot", hourlyLatest, "2026-01-01T13:00:00Z", "2026-01-01T13:00:00Z", undefined, [], false],
  ["last slot after now (another host's clock is ahead)", hourlyLatest, "2026-01-01T14:00:00Z", "2026-01-01T13:30:00Z", undefined, [], false],
  ["5 missed, catchUp latest: only the latest", hourlyLatest, "2026-01-01T07:00:00Z", "2026-01-01T12:30:00Z", undefined, ["2026-01-01T12:00:00.000Z"], false],
  ["5 missed, catchUp all: all, oldest first", hourlyAll, "2026-01-01T07:00:00Z", "2026-01-01T12:30:00Z", undefined,
    ["2026-01-01T08:00:00.000Z", "2026-01-01T09:00:00.000Z", "2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000Z", "2026-01-01T12:00:00.000Z"], false],
  ["5 missed, catchUp all, cap 5: all, not capped", hourlyAll, "2026-01-01T07:00:00Z", "2026-01-01T12:30:00Z", 5,
    ["2026-01-01T08:00:00.000Z", "2026-01-01T09:00:00.000Z", "2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000Z", "2026-01-01T12:00:00.000Z"], false],
  ["5 missed, catchUp all, cap 3: the 3 most recent, capped", hourlyAll, "2026-01-01T07:00:00Z", "2026-01-01T12:30:00Z", 3,
    ["2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000Z", "2026-01-01T12:00:00.000Z"], true],
  ["a year missed on a 10-second schedule, latest: one slot, no walk through the year", everyTenSeconds, "2025-01-01T00:00:00Z", "2026-01-01T00:00:05Z", undefined,
    ["2026-01-01T00:00:00.000Z"], false],
];

for (const [what, s, after, now, catchUpCap, expected, capped] of due) {
  test(`dueSlots: ${what}`, (t) => {
    const result = dueSlots(s, after === null ? null : at(after), at(now), catchUpCap === undefined ? {} : { catchUpCap });
    t.deepEqual(iso(result.slots), expected);
    t.is(result.capped, capped);
  });
}

test("dueSlots: a year missed on a 10-second schedule with catchUp all stops at the default cap of 100", (t) => {
  const result = dueSlots(schedule({ cron: "*/10 * * * * *", catchUp: "all" }), at("2025-01-01T00:00:00Z"), at("2026-01-01T00:00:05Z"));
  t.is(result.slots.length, 100);
  t.true(result.capped);
  t.is(result.slots[0]!.toISOString(), "2025-12-31T23:43:30.000Z");
  t.is(result.slots[99]!.toISOString(), "2026-01-01T00:00:00.000Z");
});

test("dueSlots rejects a cap below 1", (t) => {
  t.throws(() => dueSlots(hourlyAll, null, at("2026-01-01T00:00:00Z"), { catchUpCap: 0.5 }), { instanceOf: ErrandError, message: "catchUpCap must be a whole number >= 1; got 0.5." });
});
