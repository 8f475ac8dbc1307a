/** `errand schedules`: the config's periodic tasks with their next and last fire times. */
import type { Command } from "commander";
import { formatInZone, scheduleReport, type ScheduleLine } from "../../src/worker/schedule-report.js";
import { schedulesFor } from "../../src/worker/scheduling.js";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import { withConfiguredBackend } from "../with-backend.js";

interface SchedulesOptions extends CommonOptions {
  json?: boolean;
}

function both(date: Date | null, timezone: string): string {
  if (date === null) return "-";
  return timezone === "UTC" ? formatInZone(date, "UTC").replace("GMT+00:00", "UTC") : `${formatInZone(date, timezone)}  (${formatInZone(date, "UTC").replace(" GMT+00:00", " UTC")})`;
}

/** The text report: one block per schedule. */
export function formatSchedules(lines: readonly ScheduleLine[], backend: string): string {
  if (lines.length === 0) return `No periodic tasks on backend '${backend}'. Add them with defineConfig({ periodic: { key: { task, cron } } }).\n`;
  const out: string[] = [];
  for (const l of lines) {
    out.push(`${l.key}: ${l.task}  cron "${l.cron}"  ${l.timezone}`);
    out.push(`  next  ${both(l.next, l.timezone)}`);
    out.push(`  last  ${l.slotsKept ? (l.last ? both(l.last, l.timezone) : "- (never enqueued)") : "- (this store keeps no slots: no worker runs these schedules)"}`);
  }
  return `${out.join("\n")}\n`;
}

async function run(options: SchedulesOptions): Promise<void> {
  await withConfiguredBackend(options, async (backend, { config }) => {
    const schedules = schedulesFor(config.periodic, backend.alias);
    const slots = backend.taskStore.slots;
    if (slots && schedules.length > 0) await backend.taskStore.open();
    const lines = await scheduleReport(schedules, slots);
    if (options.json) {
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      const json = lines.map((l) => ({ ...l, next: iso(l.next), last: iso(l.last) }));
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      process.stdout.write(formatSchedules(lines, backend.alias));
    }
  });
}

/** Adds `schedules` to the program. */
export function registerSchedulesCommand(program: Command): Command {
  return program
    .command("schedules")
    .summary("list periodic tasks with their next and last fire times")
    .description(
      "List the periodic tasks of the config (`periodic` in defineConfig) that enqueue into the backend: per schedule " +
        "key, its task, cron expression and time zone, the next fire time, and the last fire time a worker enqueued " +
        "(read from the store's slot table), each in the schedule's time zone and in UTC.",
    )
    .option("--json", "print the schedules as JSON on stdout (times in ISO 8601 UTC)")
    .addOption(backendOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Examples:
  $ errand schedules
  $ errand schedules --json | jq '.[] | {key, next}'
  $ errand schedules --backend reports --config deploy/errand.config.ts`,
    )
    .action((options: SchedulesOptions) => run(options));
}
