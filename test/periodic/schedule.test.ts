/** parseSchedules and defineConfig({ periodic }): defaults, and one clear error per kind of mistake. */
import test from "ava";
import { DummyBackend } from "../../backends/dummy/index.js";
import { configureTasks, defineConfig, ErrandError, InvalidTaskError } from "../../src/index.js";
import { InvalidScheduleError, parseSchedules, scheduledTask } from "../../src/periodic/schedule.js";
import { cleanup, report } from "./fixtures.js";

test("defaults: UTC, no args, the task's own queue/priority/backend, catchUp latest", (t) => {
  const [s] = parseSchedules({ nightlyCleanup: { task: cleanup, cron: "0 3 * * *" } });
  t.like(s, { key: "nightlyCleanup", task: cleanup, cron: "0 3 * * *", timezone: "UTC", queueName: undefined, priority: undefined, backend: undefined, catchUp: "latest" });
  t.deepEqual(s!.args, []);
  t.true(Object.isFrozen(s));
});

test("every option is kept; the zone name is made canonical; 6 fields and nicknames are accepted", (t) => {
  const schedules = parseSchedules({
    everyTenSeconds: { task: report, cron: "*/10 * * * * *", args: ["eu"], queueName: "reports", priority: 10, backend: "other", timezone: "europe/paris", catchUp: "all" },
    daily: { task: cleanup, cron: "@daily" },
  });
  t.deepEqual(schedules.map((s) => s.key), ["everyTenSeconds", "daily"]);
  t.like(schedules[0], { timezone: "Europe/Paris", queueName: "reports", priority: 10, backend: "other", catchUp: "all" });
  t.deepEqual(schedules[0]!.args, ["eu"]);
});

test("no periodic key: no schedules", (t) => {
  t.deepEqual(parseSchedules(undefined), []);
  t.deepEqual(parseSchedules({}), []);
});

const bad: [string, unknown, string | RegExp][] = [
  ["a 4-field cron", { nightlyCleanup: { task: cleanup, cron: "0 3 * *" } },
    /^periodic\.nightlyCleanup\.cron "0 3 \* \*" is not a valid cron expression: .*five, six, or seven.*\. Use 5 fields \(minute hour day month weekday, e\.g\. "0 3 \* \* \*"\) or 6 with seconds first/],
  ["a 7-field cron (years)", { y: { task: cleanup, cron: "0 0 3 * * * 2030" } }, /^periodic\.y\.cron "0 0 3 \* \* \* 2030" is not a valid cron expression: .*5 or 6 parts/],
  ["a minute out of range", { m: { task: cleanup, cron: "61 * * * *" } }, /^periodic\.m\.cron "61 \* \* \* \*" is not a valid cron expression: .*minute: 61/],
  ["a cron that never fires", { feb: { task: cleanup, cron: "0 0 30 2 *" } }, 'periodic.feb.cron "0 0 30 2 *" never fires (e.g. February 30th); fix the day and month fields.'],
  ["a cron that is not a string", { c: { task: cleanup, cron: 5 } }, 'periodic.c.cron must be a cron expression string such as "0 3 * * *"; got 5.'],
  ["an unknown zone", { z: { task: cleanup, cron: "* * * * *", timezone: "Europe/Parsi" } },
    'periodic.z.timezone "Europe/Parsi" is not a known IANA time zone; use a name such as "Europe/Paris", "America/New_York" or "UTC".'],
  ["an unknown option, with did-you-mean", { z: { task: cleanup, cron: "* * * * *", timeZone: "UTC" } },
    'periodic.z.timeZone is not a schedule option (did you mean "timezone"?); the options are task, cron, timezone, args, queueName, priority, backend, catchUp.'],
  ["a task that is not a task()", { f: { task: () => 1, cron: "* * * * *" } }, 'periodic.f.task must be a task defined with task() from "errand"; got a function named "task".'],
  ["no task", { f: { cron: "* * * * *" } }, 'periodic.f.task must be a task defined with task() from "errand"; got undefined.'],
  ["args not JSON", { r: { task: report, cron: "* * * * *", args: [new Date(0)] } }, "periodic.r.args[0]: Date is not JSON-serializable; pass date.toISOString()"],
  ["args not an array", { r: { task: report, cron: "* * * * *", args: "eu" } }, 'periodic.r.args must be an array of the task\'s arguments, e.g. ["eu"]; got "eu".'],
  ["a priority out of range", { p: { task: cleanup, cron: "* * * * *", priority: 101 } }, "periodic.p.priority must be a whole number between -100 and 100; got 101."],
  ["an empty queue name", { q: { task: cleanup, cron: "* * * * *", queueName: "" } }, /^periodic\.q\.queueName must be a non-empty string/],
  ["a padded backend", { b: { task: cleanup, cron: "* * * * *", backend: " default" } }, /^periodic\.b\.backend must be a non-empty string without surrounding spaces/],
  ["an unknown catchUp", { k: { task: cleanup, cron: "* * * * *", catchUp: "none" } }, /^periodic\.k\.catchUp must be "latest" \(.*\) or "all" \(.*\); got "none"\.$/],
  ["an entry that is not an object", { e: "0 3 * * *" }, /^periodic\.e must be an object like \{ task, cron/],
  ["a key with spaces", { " nightly": { task: cleanup, cron: "* * * * *" } }, /^The schedule key " nightly" in periodic must be a non-empty string without surrounding spaces/],
  ["periodic not an object", [], /^periodic must be an object of schedules/],
];

for (const [what, periodic, message] of bad) {
  test(`rejected at config load: ${what}`, (t) => {
    const error = t.throws(() => parseSchedules(periodic as never), { instanceOf: InvalidScheduleError, message });
    t.true(error instanceof ErrandError);
    t.throws(() => defineConfig({ tasks: [], periodic: periodic as never }), { instanceOf: InvalidScheduleError, message });
  });
}

test("defineConfig accepts periodic as a known key and returns the config unchanged", (t) => {
  const config = { tasks: [cleanup, report], periodic: { nightlyCleanup: { task: cleanup, cron: "0 3 * * *", timezone: "Europe/Paris" } } };
  t.is(defineConfig(config), config);
  t.throws(() => defineConfig({ tasks: [], periodical: {} } as never), { message: /unknown key "periodical" \(did you mean "periodic"\?\); its keys are TASKS, tasks, periodic\./ });
});

test("args are typed by the task's parameters (checked by tsc)", (t) => {
  defineConfig({ tasks: [], periodic: { a: { task: report, cron: "* * * * *", args: ["eu"] }, b: { task: cleanup, cron: "@hourly" } } });
  // @ts-expect-error report takes a string
  t.throws(() => defineConfig({ tasks: [], periodic: { a: { task: report, cron: "* * * * *", args: [new Date(0)] } } }));
  // @ts-expect-error cleanup takes no argument
  defineConfig({ tasks: [], periodic: { a: { task: cleanup, cron: "* * * * *", args: ["x"] } } });
  t.pass();
});

test("scheduledTask applies the schedule's queue and priority over the task's own, checked against the backend", (t) => {
  configureTasks({ default: { BACKEND: DummyBackend, QUEUES: ["default", "maintenance"] } });
  const [own, set] = parseSchedules({ own: { task: cleanup, cron: "@daily" }, set: { task: cleanup, cron: "@daily", queueName: "maintenance", priority: -5 } });
  t.like(scheduledTask(own!), { name: "periodic.cleanup", queueName: "default", priority: 0, backend: "default" });
  t.like(scheduledTask(set!), { name: "periodic.cleanup", queueName: "maintenance", priority: -5, backend: "default" });
  const [elsewhere] = parseSchedules({ elsewhere: { task: cleanup, cron: "@daily", queueName: "reports" } });
  t.throws(() => scheduledTask(elsewhere!), { instanceOf: InvalidTaskError, message: /Queue 'reports' is not valid for backend 'default'/ });
});
