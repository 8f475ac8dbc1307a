/** `errand purge`: delete finished tasks (SUCCESSFUL/FAILED, CANCELLED on request) in batches; READY and RUNNING are never touched. */
import { Option, type Command } from "commander";
import { purgeCompletedTasks } from "../../src/worker/index.js";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import { DEFAULT_PURGE_STATUSES, nonEmptyString, numberAtLeast, PURGEABLE_STATUSES, purgeStatuses, wholeNumberAtLeast, type PurgeableStatus } from "../parse-options.js";
import { createProgress } from "../progress.js";
import { withConfiguredBackend } from "../with-backend.js";

interface PurgeCliOptions extends CommonOptions {
  days: number;
  status: PurgeableStatus[];
  batchSize: number;
  dryRun?: boolean;
  queue?: string;
  task?: string;
}

/** "finished tasks (SUCCESSFUL, FAILED) older than 7 days in queue "emails" named "x"" */
function describeSelection(o: PurgeCliOptions): string {
  let s = `finished tasks (${o.status.join(", ")})`;
  if (o.days > 0) s += ` older than ${o.days} day${o.days === 1 ? "" : "s"}`;
  if (o.queue !== undefined) s += ` in queue "${o.queue}"`;
  if (o.task !== undefined) s += ` named "${o.task}"`;
  return s;
}

async function run(options: PurgeCliOptions): Promise<void> {
  await withConfiguredBackend(options, async (backend) => {
    const progress = createProgress(options.dryRun ? "Counting" : "Deleting");
    let summary;
    try {
      summary = await purgeCompletedTasks({
        backend: backend.alias,
        days: options.days,
        statuses: options.status,
        batchSize: options.batchSize,
        dryRun: options.dryRun ?? false,
        ...(options.queue !== undefined && { queueName: options.queue }),
        ...(options.task !== undefined && { taskPath: options.task }),
        onProgress: (done, total) => progress.update(done, total),
      });
    } finally {
      progress.stop();
    }
    const what = describeSelection(options);
    process.stdout.write(
      summary.dryRun
        ? `Would delete ${summary.matched} ${what} (dry run: nothing deleted).\n`
        : `Deleted ${summary.deleted} of ${summary.matched} ${what}.\n`,
    );
  });
}

/** Adds `purge` to the program. */
export function registerPurgeCommand(program: Command): Command {
  return program
    .command("purge")
    .summary("delete finished tasks")
    .description(
      "Delete finished tasks (SUCCESSFUL and/or FAILED; CANCELLED when named in --status) from a DatabaseBackend, in batches. " +
        "READY and RUNNING tasks are never deleted. Shows a progress bar on a terminal.",
    )
    .option("--days <n>", "only tasks finished more than this many days ago (0: any age)", numberAtLeast("--days", 0, "days"), 0)
    .addOption(
      new Option("--status <list>", `comma-separated statuses to delete, among ${PURGEABLE_STATUSES.join(", ")}`)
        .argParser(purgeStatuses)
        .default([...DEFAULT_PURGE_STATUSES], DEFAULT_PURGE_STATUSES.join(",")),
    )
    .option("--batch-size <n>", "rows deleted per statement", wholeNumberAtLeast("--batch-size", 1), 1000)
    .option("--dry-run", "count what would be deleted, delete nothing")
    .option("--queue <name>", "only tasks of this queue", nonEmptyString("--queue", 200))
    .option("--task <name>", "only tasks with this name (task_path)", nonEmptyString("--task", 200))
    .addOption(backendOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Examples:
  $ errand purge --days 7 --dry-run                 how many finished tasks are older than a week
  $ errand purge --days 7                           delete them
  $ errand purge --status FAILED --days 30 --queue emails
  $ errand purge --task reports.daily --batch-size 5000`,
    )
    .action((options: PurgeCliOptions) => run(options));
}
