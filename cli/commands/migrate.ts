/** `errand migrate`: apply errand's schema migrations, or with `--check` only report pending ones (for CI). */
import type { Command } from "commander";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import type { StoreBackend } from "../../src/worker/index.js";
import { CliError } from "../errors.js";
import { storeLocation } from "../store-errors.js";
import { withConfiguredBackend } from "../with-backend.js";

interface MigrateOptions extends CommonOptions {
  check?: boolean;
}

/** What `migrate` needs: a store with a schema (DatabaseBackend's public `migrate()` and `pendingMigrations()`). */
interface MigratableBackend extends StoreBackend {
  migrate(): Promise<string[]>;
  pendingMigrations(): Promise<string[]>;
}

/**
 * The backend as one that has migrations. Checked by shape, not by class, so that the CLI does not
 * load the database backend (and MikroORM) for stores that have no schema.
 * @throws CliError naming the backend's class when its store has no migrations.
 */
function migratable(backend: StoreBackend): MigratableBackend {
  const b = backend as Partial<MigratableBackend>;
  if (typeof b.migrate === "function" && typeof b.pendingMigrations === "function") return backend as MigratableBackend;
  throw new CliError(`Backend '${backend.alias}' is a ${backend.constructor.name}: its store has no migrations (errand migrate applies a DatabaseBackend's).`);
}

async function run(options: MigrateOptions): Promise<void> {
  await withConfiguredBackend(options, async (store) => {
    const backend = migratable(store);
    const where = storeLocation(backend);
    if (options.check) {
      // Reads only: unlike the backend's first query, this never auto-migrates SQLite.
      const names = await backend.pendingMigrations();
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
