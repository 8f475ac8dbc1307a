import type { Dialect } from "../dialect.js";

/** A row as raw SQL returns it (column names in snake_case). */
export type RawRow = Record<string, unknown>;

/** Runs one SQL statement with `?` placeholders; returns the rows (empty for statements without RETURNING). */
export type Execute = (sql: string, params?: readonly unknown[]) => Promise<RawRow[]>;

/**
 * What every query needs: how to run SQL (possibly inside the application's transaction), the
 * dialect seam, and the quoted table name.
 */
export interface QueryContext {
  execute: Execute;
  /**
   * Runs a hot-path statement whose text never changes as a named prepared statement (PostgreSQL:
   * parsed and planned once per connection), outside any application transaction. Falls back to
   * `execute` where there is no such thing (SQLite).
   */
  executePrepared: (name: string, sql: string, params?: readonly unknown[]) => Promise<RawRow[]>;
  /**
   * Runs `fn` in one short READ COMMITTED transaction on one connection (joining the application's
   * transaction when there is one), its statements through the `execute` it is given. The MySQL
   * family uses it for a locking read followed by the write, as it has no UPDATE … RETURNING.
   */
  transaction: <T>(fn: (execute: Execute) => Promise<T>) => Promise<T>;
  dialect: Dialect;
  /** The table name, already quoted for SQL. */
  table: string;
}

/** `?, ?, ?` for `n` parameters. */
export function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

/** The SQL and parameters of optional queue filters (`queue_name IN …`, `NOT IN …`). */
export function queueFilter(queues: readonly string[] | null, excludeQueues: readonly string[] = []): { sql: string; params: string[] } {
  let sql = "";
  const params: string[] = [];
  if (queues && queues.length > 0) {
    sql += ` AND queue_name IN (${placeholders(queues.length)})`;
    params.push(...queues);
  }
  if (excludeQueues.length > 0) {
    sql += ` AND queue_name NOT IN (${placeholders(excludeQueues.length)})`;
    params.push(...excludeQueues);
  }
  return { sql, params };
}
