/**
 * The task result table's migrations for each dialect, as plain SQL (no MikroORM import: errand
 * applies them itself, see `migration-runner.ts`).
 */
import type { DialectName } from "../dialect.js";
import type { ErrandMigration } from "./migration.js";
import { postgresqlMigrations } from "./postgresql.js";
import { sqliteMigrations } from "./sqlite.js";

export { postgresqlMigrations, sqliteMigrations, type ErrandMigration };

/**
 * The migrations for `dialect` and `tableName`, oldest first. Their names (e.g.
 * `Migration20261121000000_initial`) are the same on every dialect, and are what the migrations table
 * records (the row format MikroORM's migrator writes, so databases migrated by either agree).
 *
 * @throws Error for an unknown dialect, or from `assertTableName` for an unusable table name.
 */
export function migrationsFor(dialect: DialectName, tableName: string): ErrandMigration[] {
  switch (dialect) {
    case "postgresql":
      return postgresqlMigrations(tableName);
    case "sqlite":
      return sqliteMigrations(tableName);
    default:
      throw new Error(`No errand migrations for dialect ${JSON.stringify(dialect)}; expected "postgresql" or "sqlite"`);
  }
}
