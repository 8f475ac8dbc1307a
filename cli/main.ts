/**
 * The `errand` command line: `worker`, `migrate`, `status`, `purge`, `schedules`, `cancel`, `queues`. `bin/errand.js` runs the built
 * copy of this file. Exit codes: 0 success, 1 the command failed (missing config, unreachable
 * database, pending migrations with `migrate --check`), 2 bad command line.
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { registerCancelCommand } from "./commands/cancel.js";
import { registerMigrateCommand } from "./commands/migrate.js";
import { registerPurgeCommand } from "./commands/purge.js";
import { registerQueuesCommand } from "./commands/queues.js";
import { registerSchedulesCommand } from "./commands/schedules.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { CliError, UsageError } from "./errors.js";

const COMMANDS = ["worker", "migrate", "status", "purge", "schedules", "cancel", "queues"];

/** errand's version, from the nearest package.json named "errand" (the same code runs from src and dist). */
function version(): string {
  for (let dir = new URL("./", import.meta.url); dir.pathname !== "/"; dir = new URL("../", dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "errand") return pkg.version ?? "0.0.0";
    } catch {
      // No package.json here: keep walking up.
    }
  }
  return "0.0.0";
}

/** Builds the commander program. Settings are made before `.command()` so every subcommand inherits them. */
export function buildProgram(): Command {
  const program = new Command("errand")
    .description("Background tasks in the shape of Django's django.tasks: run workers and manage the task table of a DatabaseBackend.")
    .version(version(), "-V, --version")
    // Throw instead of process.exit so main() decides the exit code (2 for usage errors).
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false);
  registerWorkerCommand(program);
  registerMigrateCommand(program);
  registerStatusCommand(program);
  registerPurgeCommand(program);
  registerSchedulesCommand(program);
  registerCancelCommand(program);
  registerQueuesCommand(program);
  program.addHelpText(
    "after",
    `
Configuration: errand.config.ts (or .mts, .js, .mjs) in the current directory, or --config PATH / ERRAND_CONFIG:
  import { defineConfig } from "errand";
  import { DatabaseBackend } from "errand/backends/database";
  import { sendWelcomeEmail } from "./tasks.js";
  export default defineConfig({
    TASKS: { default: { BACKEND: DatabaseBackend, OPTIONS: { url: "postgresql://app@localhost/app" } } },
    tasks: [sendWelcomeEmail],
  });

Examples:
  $ errand migrate
  $ errand worker --concurrency 4
  $ errand status
  $ errand purge --days 7
  $ errand schedules
  $ errand cancel ID
  $ errand queues pause emails`,
  );
  return program;
}

/**
 * Runs the CLI with `argv` (the arguments after the program name).
 * @returns the exit code: 0, 1 (the command failed) or 2 (usage error). Never throws.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    // Commander has already printed its own errors (unknown option or command, missing value).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      const command = COMMANDS.includes(argv[0] ?? "") ? `errand ${argv[0]}` : "errand";
      process.stderr.write(`error: ${error.message}\n(run "${command} --help" for usage)\n`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      if (process.env.ERRAND_LOG_LEVEL === "debug" && error.cause instanceof Error) process.stderr.write(`${error.cause.stack}\n`);
      return error.exitCode;
    }
    process.stderr.write(`errand: unexpected error (a bug?):\n${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

/**
 * Runs {@link main} and sets the exit code. The process then ends by itself once stdout is flushed;
 * the unref'd timer only fires if some handle (a forgotten pool or timer) would keep it alive.
 */
export async function runAsEntry(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntry()) await runAsEntry();
