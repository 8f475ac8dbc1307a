// The one-line summary `errand worker` prints at exit: every count of WorkerSummary, and why it stopped.
import test from "ava";
import { formatWorkerSummary } from "../../cli/commands/worker.js";

const summary = { reason: "stopped" as const, processed: 9, succeeded: 5, failed: 1, retried: 2, interrupted: 1, cancelled: 0, durationMs: 2500 };

test("the summary counts succeeded, failed and retried attempts, and interrupted ones when there were any", (t) => {
  t.is(
    formatWorkerSummary("w1", summary, "SIGTERM"),
    "errand worker w1: processed 9 task(s) in 2.5s (5 succeeded, 1 failed, 2 retried, 1 interrupted); exit: stopped by SIGTERM.",
  );
  t.regex(formatWorkerSummary("w1", { ...summary, reason: "drained", interrupted: 0 }), /\(5 succeeded, 1 failed, 2 retried\); exit: nothing left to do \(--batch\)\.$/);
});

test("cancelled attempts are named when there were any", (t) => {
  t.regex(formatWorkerSummary("w1", { ...summary, interrupted: 0, cancelled: 3 }), /\(5 succeeded, 1 failed, 2 retried, 3 cancelled\); exit: stopped\.$/);
});
