/** `errand cancel ID…`: cancel tasks by id, from any process (DESIGN §7). */
import type { Command } from "commander";
import { TaskResultDoesNotExistError } from "../../src/errors.js";
import { cancelStoredTask } from "../../src/worker/index.js";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import { CliError } from "../errors.js";
import { withConfiguredBackend } from "../with-backend.js";

interface CancelOptions extends CommonOptions {
  json?: boolean;
}

/** One id's line of output. */
interface CancelLine {
  id: string;
  /** `cancelled` now, `unchanged` (finished, or cancelled before), or `not-found`. */
  outcome: "cancelled" | "unchanged" | "not-found";
  /** The status before the call (absent when not found). */
  previousStatus?: string;
  /** The status after the call (absent when not found). */
  status?: string;
}

function describe(l: CancelLine): string {
  if (l.outcome === "not-found") return `${l.id}: no such task`;
  if (l.outcome === "cancelled") return `${l.id}: cancelled (was ${l.previousStatus}${l.previousStatus === "RUNNING" ? "; its worker aborts it" : ""})`;
  return l.status === "CANCELLED" ? `${l.id}: already cancelled` : `${l.id}: already finished (${l.status}); left unchanged`;
}

async function run(ids: string[], options: CancelOptions): Promise<void> {
  const lines = await withConfiguredBackend(options, async (backend) => {
    await backend.taskStore.open();
    const out: CancelLine[] = [];
    for (const id of ids) {
      try {
        const { result, previousStatus } = await cancelStoredTask(backend, id);
        const now = previousStatus === "READY" || previousStatus === "RUNNING";
        out.push({ id, outcome: now ? "cancelled" : "unchanged", previousStatus, status: result.status });
      } catch (error) {
        if (!(error instanceof TaskResultDoesNotExistError)) throw error;
        out.push({ id, outcome: "not-found" });
      }
    }
    return out;
  });
  process.stdout.write(options.json ? `${JSON.stringify(lines, null, 2)}\n` : `${lines.map(describe).join("\n")}\n`);
  const missing = lines.filter((l) => l.outcome === "not-found").map((l) => l.id);
  if (missing.length > 0) throw new CliError(`no task with id ${missing.map((id) => `'${id}'`).join(", ")} (the others were handled as shown)`);
}

/** Adds `cancel` to the program. */
export function registerCancelCommand(program: Command): Command {
  return program
    .command("cancel")
    .summary("cancel tasks by id (READY ones never run; RUNNING ones are aborted)")
    .description(
      "Cancel tasks by id: a READY task becomes CANCELLED and never runs; a RUNNING task becomes CANCELLED at once " +
        "and the worker running it aborts its signal within about a second (whatever it returns later is discarded). " +
        "Finished tasks are left unchanged. Exits 1 when an id matches no task.",
    )
    .argument("<id...>", "the ids of the tasks to cancel")
    .option("--json", "print one JSON object per id (id, outcome, previousStatus, status) on stdout")
    .addOption(backendOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Examples:
  $ errand cancel 0b6e0c52-4f0e-4f3c-9a55-0c1e9e8f5e61
  $ errand cancel ID1 ID2 --backend reports --json`,
    )
    .action((ids: string[], options: CancelOptions) => run(ids, options));
}
