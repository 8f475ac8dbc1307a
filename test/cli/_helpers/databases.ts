/** Throwaway databases for the CLI tests: the shared test helpers, named for the CLI. */
import { freshPostgres, freshSqlite, PG_URL, type TestDatabase } from "../../helpers/databases.js";

export { PG_URL, type TestDatabase };

/** A new SQLite file in a new temp directory. */
export function createSqliteDatabase(): TestDatabase {
  return freshSqlite();
}

/** `CREATE DATABASE errand_cli_<random>` on the ERRAND_TEST_PG_URL server; `drop()` force-drops it. */
export function createPgDatabase(serverUrl: string = PG_URL ?? ""): Promise<TestDatabase> {
  return freshPostgres("errand_cli", serverUrl || undefined);
}
