import test from "ava";
import { exponentialBackoff } from "../../src/index.js";
import { backoffProblem, toBackoffFunction } from "../../src/backoff.js";

const error = { exceptionClassPath: "Error", traceback: "Error: x" };

test("exponential back-off without jitter doubles from baseMs and stops at maxMs", (t) => {
  const f = exponentialBackoff({ baseMs: 100, factor: 2, maxMs: 1_000, jitter: false });
  t.deepEqual([1, 2, 3, 4, 5, 6].map((a) => f(a, error)), [100, 200, 400, 800, 1_000, 1_000]);
});

test("jittered delays stay between half and all of the exponential value, and grow in order", (t) => {
  const f = exponentialBackoff({ baseMs: 1_000 });
  for (let attempt = 1; attempt <= 8; attempt++) {
    const full = 1_000 * 2 ** (attempt - 1);
    for (let i = 0; i < 200; i++) {
      const d = f(attempt, error)!;
      t.true(d >= full / 2 && d <= full, `attempt ${attempt}: ${d} not in [${full / 2}, ${full}]`);
    }
  }
  // Ranges of successive attempts only touch at their edges, so the order holds on average.
  const mean = (a: number) => Array.from({ length: 100 }, () => f(a, error)!).reduce((x, y) => x + y) / 100;
  t.true(mean(1) < mean(2) && mean(2) < mean(3));
});

test("the default back-off is exponential from 1 s, capped at one hour", (t) => {
  const f = toBackoffFunction(undefined);
  t.true(f(1, error)! <= 1_000 && f(1, error)! >= 500);
  t.true(f(40, error)! <= 3_600_000 && f(40, error)! >= 1_800_000);
});

test("a custom back-off function is used as is; null means stop retrying", (t) => {
  const f = toBackoffFunction((attempt) => (attempt < 3 ? attempt * 10 : null));
  t.deepEqual([f(1, error), f(2, error), f(3, error)], [10, 20, null]);
});

test("invalid back-off options are named", (t) => {
  t.regex(backoffProblem({ baseMs: -1 }, "backoff")!, /backoff.baseMs must be a number of milliseconds >= 0/);
  t.regex(backoffProblem({ factor: 0.5 }, "backoff")!, /backoff.factor must be a number >= 1/);
  t.regex(backoffProblem({ basems: 1 }, "backoff")!, /backoff.basems is not an option/);
  t.regex(backoffProblem("fast", "backoff")!, /backoff must be a function/);
  t.is(backoffProblem({ baseMs: 10, maxMs: 100, factor: 3, jitter: false }, "backoff"), null);
});
