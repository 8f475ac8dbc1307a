// The limits' options (DESIGN §7) are checked where they are written, with errors naming the field and the fix.
import test from "ava";
import { DatabaseBackend } from "../../backends/database/index.js";
import { InvalidTaskBackendError, InvalidTaskError } from "../../src/errors.js";
import { concurrencyKeyOf, task } from "../../src/index.js";

test("task({ concurrency }) is checked at definition and kept on the task", (t) => {
  const ok = task({ name: "limits.core.ok", concurrency: { limit: 3, key: (id: number) => `u${id}` } }, async (id: number) => id);
  t.is(ok.concurrency!.limit, 3);
  t.is(concurrencyKeyOf(ok.concurrency, [7], ok.name), "u7");
  t.is(concurrencyKeyOf(null, [7], "x"), null);
  const cases: [unknown, RegExp][] = [
    [{ limit: 0 }, /concurrency\.limit must be a whole number >= 1 \(task 'limits\.core\.bad0' has 0\)/],
    [{ limit: 2.5 }, /concurrency\.limit must be a whole number >= 1/],
    [{ limit: 1, key: "user" }, /concurrency\.key must be a function of the task's arguments returning a string/],
    [{ limit: 1, max: 2 }, /concurrency has no field 'max'; use limit and key/],
    [3, /concurrency must be an object like \{ limit: 3 \}/],
  ];
  cases.forEach(([concurrency, message], i) => {
    t.throws(() => task({ name: `limits.core.bad${i}`, concurrency: concurrency as never }, async () => null), { instanceOf: InvalidTaskError, message });
  });
});

test("a concurrency key function must return a non-empty string of at most 255 characters", (t) => {
  const c = { limit: 1, key: (v: unknown) => v as string };
  for (const bad of ["", 42, "x".repeat(256)]) {
    t.throws(() => concurrencyKeyOf(c, [bad], "limits.core.key"), { instanceOf: InvalidTaskError, message: /concurrency\.key of task 'limits\.core\.key' must return a non-empty string/ });
  }
});

test("OPTIONS.queues of a DatabaseBackend is checked at config time, against QUEUES", (t) => {
  const make = (QUEUES: string[], queues: unknown) =>
    new DatabaseBackend("db", { BACKEND: DatabaseBackend, QUEUES, OPTIONS: { url: "sqlite::memory:", queues } as never });
  t.deepEqual(make(["emails"], { emails: { concurrency: 5, rateLimit: { limit: 50, perMs: 1000 } } }).queueLimits, {
    emails: { concurrency: 5, rateLimit: { limit: 50, perMs: 1000 } },
  });
  const cases: [string[], unknown, RegExp][] = [
    [["default"], { emails: { concurrency: 5 } }, /TASKS\.db\.OPTIONS\.queues\.emails: 'emails' is not in this backend's QUEUES \('default'\); add it there or remove it here/],
    [[], { emails: { concurrency: 0 } }, /TASKS\.db\.OPTIONS\.queues\.emails\.concurrency must be a whole number >= 1; got 0/],
    [[], { emails: { rateLimit: { limit: 50 } } }, /TASKS\.db\.OPTIONS\.queues\.emails\.rateLimit must be \{ limit, perMs \}/],
    [[], { emails: { paused: true } }, /TASKS\.db\.OPTIONS\.queues\.emails has no setting 'paused'; use concurrency or rateLimit/],
    [[], ["emails"], /TASKS\.db\.OPTIONS\.queues must be an object of queue names/],
  ];
  for (const [QUEUES, queues, message] of cases) t.throws(() => make(QUEUES, queues), { instanceOf: InvalidTaskBackendError, message });
});
