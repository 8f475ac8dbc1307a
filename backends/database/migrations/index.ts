/**
 * The task result table's migrations for each dialect, as plain SQL (no MikroORM import: errand
 * applies them itself, see `migration-runner.ts`).
 */
import type { DialectName } from "../dialect.js";
import type { ErrandMigration } from "./migration.js";
import { postgresqlMigrations } from "./postgresql.js";
import { mysqlMigrations } from "./mysql.js";
import { sqliteMigrations } from "./sqlite.js";

export { mysqlMigrations, postgresqlMigrations, sqliteMigrations, type ErrandMigration };

/**
 * Each dialect's migration list, keyed by dialect: a dialect without an entry is a compile error.
 * A new migration is appended to every dialect's list in its file (same name on each), e.g. a
 * `Migration2026…_periodic_slots` entry after the initial one in postgresql.ts, sqlite.ts and mysql.ts.
 */
const MIGRATIONS: Record<DialectName, (tableName: string) => ErrandMigration[]> = {
  postgresql: postgresqlMigrations,
  sqlite: sqliteMigrations,
  mysql: mysqlMigrations,
};

/**
 * The migrations for `dialect` and `tableName`, oldest first. Their names (e.g.
 * `Migration20261121000000_initial`) are the same on every dialect, and are what the migrations table
 * records (the row format MikroORM's migrator writes, so databases migrated by either agree).
 *
 * @throws Error for an unknown dialect, or from `assertTableName` for an unusable table name.
 */
export function migrationsFor(dialect: DialectName, tableName: string): ErrandMigration[] {
  const migrations = Object.hasOwn(MIGRATIONS, dialect) ? MIGRATIONS[dialect] : undefined;
  if (!migrations) throw new Error(`No errand migrations for dialect ${JSON.stringify(dialect)}; expected ${Object.keys(MIGRATIONS).map((d) => JSON.stringify(d)).join(", ")}`);
  return migrations(tableName);
}
