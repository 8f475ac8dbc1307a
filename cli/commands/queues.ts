/** `errand queues`: the queues with their counts, paused state and limits; `pause` and `resume` one. */
import type { Command } from "commander";
import { getQueueReport, setQueuePaused, type QueueLine, type QueueReport } from "../../src/worker/index.js";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import { nonEmptyString } from "../parse-options.js";
import { withConfiguredBackend } from "../with-backend.js";

interface QueuesOptions extends CommonOptions {
  json?: boolean;
}

const STATUSES = ["READY", "RUNNING", "SUCCESSFUL", "FAILED"];

function limitsText(q: QueueLine): string {
  if (!q.limits) return "-";
  const parts: string[] = [];
  if (q.limits.concurrency !== undefined) parts.push(`concurrency ${q.limits.concurrency}`);
  if (q.limits.rateLimit) parts.push(`rate ${q.limits.rateLimit.limit}/${q.limits.rateLimit.perMs}ms`);
  return parts.join(", ") || "-";
}

/** The text report: one row per queue. */
export function formatQueues(report: QueueReport): string {
  if (report.queues.length === 0) return `No queues on backend '${report.backend}' yet (no task enqueued, none paused, none limited).\n`;
  const rows = [["QUEUE", "STATE", ...STATUSES, "LIMITS"]];
  for (const q of report.queues) rows.push([q.name, q.paused ? "paused" : "active", ...STATUSES.map((s) => String(q.counts[s] ?? 0)), limitsText(q)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const numeric = (c: number) => c >= 2 && c < 2 + STATUSES.length;
  const lines = rows.map((r) => r.map((cell, c) => (numeric(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd());
  return `Backend '${report.backend}'\n\n${lines.join("\n")}\n`;
}

/** Adds `queues`, `queues pause NAME` and `queues resume NAME` to the program. */
export function registerQueuesCommand(program: Command): Command {
  const queues = program
    .command("queues")
    .summary("list queues (counts, paused, limits); pause or resume one")
    .description(
      "List the queues of a store backend: per queue, whether it is paused, its task counts by status and its " +
        "limits (OPTIONS.queues: concurrency, rateLimit). `errand queues pause NAME` stops every worker from " +
        "claiming the queue's tasks (within a second; running ones go on) until `errand queues resume NAME`.",
    )
    .option("--json", "print the queues as JSON on stdout")
    .addOption(backendOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Examples:
  $ errand queues
  $ errand queues pause emails
  $ errand queues resume emails
  $ errand queues --json | jq '.queues[] | select(.paused)'`,
    )
    .action((options: QueuesOptions) =>
      withConfiguredBackend(options, async (backend) => {
        const report = await getQueueReport({ backend: backend.alias });
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatQueues(report));
      }),
    );
  for (const [verb, paused] of [["pause", true], ["resume", false]] as const) {
    queues
      .command(verb)
      .summary(`${verb} a queue`)
      .description(
        paused
          ? "Pause queue NAME: workers stop claiming its tasks within a second (they re-read the paused list once a second); RUNNING tasks go on. Idempotent; a queue without tasks can be paused ahead."
          : "Resume queue NAME: workers claim its tasks again (on PostgreSQL at once: idle workers are woken). Idempotent.",
      )
      .argument("<name>", "the queue name", nonEmptyString("NAME", 255))
      .addOption(backendOption())
      .addOption(configOption())
      .addHelpText("after", `\nExample:\n  $ errand queues ${verb} emails`)
      .action((name: string, options: CommonOptions) =>
        withConfiguredBackend(options, async (backend) => {
          await setQueuePaused(name, paused, { backend: backend.alias });
          process.stdout.write(`Queue '${name}' of backend '${backend.alias}' is ${paused ? "paused" : "resumed"}.\n`);
        }),
      );
  }
  return queues;
}
