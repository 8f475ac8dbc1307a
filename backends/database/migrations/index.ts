/**
 * The task result table's migrations for each dialect. Imports `@mikro-orm/migrations` at module
 * load: import it lazily (as `orm.ts` does) or with `import type`.
 */
import type { MigrationObject } from "@mikro-orm/core";
import type { DialectName } from "../dialect.js";
import { postgresqlMigrations } from "./postgresql.js";
import { sqliteMigrations } from "./sqlite.js";

export { postgresqlMigrations, sqliteMigrations };

/**
 * The migrations for `dialect` and `tableName`, oldest first, ready for MikroORM's
 * `migrations.migrationsList`. Their names (e.g. `Migration20261121000000_initial`) are the same
 * on every dialect.
 *
 * @throws Error for an unknown dialect, or from `assertTableName` for an unusable table name.
 */
export function migrationsFor(dialect: DialectName, tableName: string): MigrationObject[] {
  switch (dialect) {
    case "postgresql":
      return postgresqlMigrations(tableName);
    case "sqlite":
      return sqliteMigrations(tableName);
    default:
      throw new Error(`No errand migrations for dialect ${JSON.stringify(dialect)}; expected "postgresql" or "sqlite"`);
  }
}
