/** Renders a {@link StatusReport} as the human output of `errand status`. */
import type { StatusReport } from "../src/worker/index.js";

const STATUSES = ["READY", "RUNNING", "SUCCESSFUL", "FAILED"] as const;
/** errand's extension, shown only when some task is CANCELLED (the usual table stays as it was). */
const WITH_CANCELLED = [...STATUSES, "CANCELLED"] as const;

/** Left-aligns the first column and right-aligns the others (numbers). */
function table(rows: string[][], rightAlignFrom = 1): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
}

function countsTable(report: StatusReport): string[] {
  const queues = [...new Set(report.counts.map((c) => c.queueName))].sort();
  const get = (queue: string | null, status: string) =>
    report.counts.filter((c) => (queue === null || c.queueName === queue) && c.status === status).reduce((n, c) => n + c.count, 0);
  const total = (queue: string | null) => report.counts.filter((c) => queue === null || c.queueName === queue).reduce((n, c) => n + c.count, 0);
  const statuses = get(null, "CANCELLED") > 0 ? WITH_CANCELLED : STATUSES;
  const rows = [["QUEUE", ...statuses, "TOTAL"]];
  for (const q of queues) rows.push([q, ...statuses.map((s) => String(get(q, s))), String(total(q))]);
  rows.push(["(all queues)", ...statuses.map((s) => String(get(null, s))), String(total(null))]);
  return table(rows);
}

function runningTable(report: StatusReport, now: Date): string[] {
  const rows = [["ID", "TASK", "QUEUE", "WORKER", "ATTEMPT", "LEASE EXPIRES"]];
  for (const r of report.running) {
    const lease = r.leaseExpiresAt;
    const left = lease ? Math.round((lease.getTime() - now.getTime()) / 1000) : null;
    const leaseText = lease ? `${lease.toISOString()} (${left! >= 0 ? `in ${left}s` : `EXPIRED ${-left!}s ago`})` : "-";
    rows.push([r.id, r.taskPath, r.queueName, r.lockedBy ?? "-", String(r.attempts), leaseText]);
  }
  return table(rows, 99).map((l) => `  ${l}`);
}

/** The report as text: counts by queue × status, due now, running tasks, and unrunnable READY tasks. */
export function formatStatus(report: StatusReport, now: Date = new Date()): string {
  const out = [`Backend '${report.backend}'`, ""];
  out.push(...countsTable(report), "");
  out.push(`Due now: ${report.pending} READY task(s).`, "");
  if (report.paused.length > 0) out.push(`Paused queues (no task of theirs is claimed; errand queues resume NAME): ${report.paused.join(", ")}.`, "");
  if (report.running.length === 0) out.push("Running: none.");
  else out.push(`Running (${report.running.length}${report.running.length >= 50 ? ", oldest 50 shown" : ""}):`, ...runningTable(report, now));
  if (report.unrunnable.length > 0) {
    const total = report.unrunnable.reduce((n, u) => n + u.count, 0);
    out.push(
      "",
      `!! READY tasks no registered task can run: ${total} task(s) of ${report.unrunnable.length} unknown name(s)`,
      ...table([["TASK PATH", "COUNT"], ...report.unrunnable.map((u) => [u.taskPath, String(u.count)])]).map((l) => `  ${l}`),
      "  No worker using this config claims them: add these tasks to the config's `tasks`, or run a worker that defines them.",
    );
  }
  return `${out.join("\n")}\n`;
}
