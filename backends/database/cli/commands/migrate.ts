/** `errand migrate`: apply errand's schema migrations, or with `--check` only report pending ones (for CI). */
import type { Command } from "commander";
import type { DatabaseBackend } from "../../database-backend.js";
import { DATABASE_DEFAULTS } from "../../options.js";
import { closeOrm, createOrm, pendingMigrations } from "../../orm.js";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import { databaseLocation } from "../database-errors.js";
import { CliError } from "../errors.js";
import { withConfiguredBackend } from "../with-backend.js";

interface MigrateOptions extends CommonOptions {
  check?: boolean;
}

/**
 * The names of the pending migrations, without applying anything. With a url we open a private ORM
 * (the backend's own would auto-migrate SQLite on first use, defeating `--check`); with an `orm`
 * passed in `OPTIONS` we can only ask the backend, which reports problems as messages.
 */
async function pending(backend: DatabaseBackend): Promise<string[]> {
  const o = backend.databaseOptions;
  if (o.orm) {
    // check() words pending migrations and connection problems as messages: report them as they are.
    const problems = await backend.check();
    if (problems.length > 0) throw new CliError(problems.join("\n"));
    return [];
  }
  const orm = await createOrm({ url: o.url ?? DATABASE_DEFAULTS.url, tableName: backend.tableName });
  try {
    return await pendingMigrations(orm);
  } finally {
    await closeOrm(orm);
  }
}

async function run(options: MigrateOptions): Promise<void> {
  await withConfiguredBackend(options, async (backend) => {
    const where = databaseLocation(backend);
    if (options.check) {
      const names = await pending(backend);
      if (names.length === 0) {
        process.stdout.write(`No pending migrations (${where}).\n`);
        return;
      }
      process.stdout.write(`${names.length} pending migration(s) on ${where}:\n${names.map((n) => `  ${n}\n`).join("")}`);
      throw new CliError(`Migrations are pending: run "errand migrate" (without --check) to apply them.`);
    }
    const applied = await backend.migrate();
    if (applied.length === 0) process.stdout.write(`No migrations to apply (${where}).\n`);
    else process.stdout.write(`Applied ${applied.length} migration(s) to ${where}:\n${applied.map((n) => `  ${n}\n`).join("")}`);
  });
}

/** Adds `migrate` to the program. */
export function registerMigrateCommand(program: Command): Command {
  return program
    .command("migrate")
    .summary("apply errand's database migrations")
    .description(
      "Apply errand's pending database migrations: creates or updates the task table of a DatabaseBackend. " +
        "Run it as a deploy step on PostgreSQL (SQLite backends also migrate by themselves on first use).",
    )
    .option("--check", "apply nothing: list pending migrations and exit 1 if there are any (for CI)")
    .addOption(backendOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Examples:
  $ errand migrate                                 apply pending migrations of the "default" backend
  $ errand migrate --check                         exit 1 when migrations are pending (CI)
  $ errand migrate --backend reports --config deploy/errand.config.ts`,
    )
    .action((options: MigrateOptions) => run(options));
}
