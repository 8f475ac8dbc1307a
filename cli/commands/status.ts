/** `errand status`: what is in the task table, per queue and status, and what no worker can run. */
import type { Command } from "commander";
import { getStatusReport } from "../../src/worker/index.js";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import { formatStatus } from "../format-status.js";
import { withConfiguredBackend } from "../with-backend.js";

interface StatusOptions extends CommonOptions {
  json?: boolean;
}

async function run(options: StatusOptions): Promise<void> {
  await withConfiguredBackend(options, async (backend, { config }) => {
    // "Registered" means the config's tasks: those are exactly what `errand worker` claims.
    const report = await getStatusReport({ backend: backend.alias, tasks: config.tasks });
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  });
}

/** Adds `status` to the program. */
export function registerStatusCommand(program: Command): Command {
  return program
    .command("status")
    .summary("show task counts, running tasks and unrunnable tasks")
    .description(
      "Show the tasks of a DatabaseBackend: counts per queue and status (READY, RUNNING, SUCCESSFUL, FAILED, and CANCELLED when there are any), " +
        "how many are due now, RUNNING tasks with their worker and lease, and READY tasks whose name no task " +
        "in the config's `tasks` has (no worker started with this config will ever run them).",
    )
    .option("--json", "print the report as JSON on stdout")
    .addOption(backendOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Examples:
  $ errand status
  $ errand status --json | jq '.unrunnable'
  $ errand status --backend reports --config deploy/errand.config.ts`,
    )
    .action((options: StatusOptions) => run(options));
}
