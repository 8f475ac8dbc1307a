import { translateDatabaseError } from "./database-errors.js";
import type { Dialect } from "./dialect.js";
import type { InFlight } from "./in-flight.js";
import type { ErrandOrm } from "./orm.js";
import type { Execute, RawRow } from "./queries/context.js";

interface KyselyLike {
  executeQuery(query: unknown): Promise<{ rows: RawRow[] }>;
}

/** `?` placeholders → PostgreSQL's `$1, $2, …` (errand's SQL has no `?` inside literals or operators). */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Runs errand's SQL with bound parameters (not inlined into the text, as `em.execute` does), on
 * MikroORM's own connection: inside the application's `em.transactional(...)` the statement joins
 * that transaction, otherwise it runs on the pool. Bound parameters keep any value (a NUL character,
 * a huge argument list) out of the SQL text, and let the database reuse the statement's plan.
 *
 * Every statement is counted in `options.inFlight` (so closing waits for it), and a missing task
 * table or database becomes one ErrandError naming `options.where` and the fix, for every caller
 * (enqueue, getResult, status, the worker, the HTTP app).
 */
export async function createExecute(
  orm: ErrandOrm,
  dialect: Dialect,
  options: { where: string; detail: string; inFlight: InFlight },
): Promise<{ execute: Execute; executePrepared: PreparedExecute; transaction: Transaction }> {
  const { CompiledQuery } = await import("kysely");
  const connection = orm.driver.getConnection();
  await connection.ensureConnection();
  const pool = connection.getClient() as unknown as KyselyLike;
  const numbered = dialect.numberedParameters;
  // errand's statements are a small fixed set; the bound only guards against unexpected variety.
  const texts = new Map<string, string>();
  const textOf = (sql: string): string => {
    if (!numbered) return sql;
    let text = texts.get(sql);
    if (text === undefined) {
      text = toPgPlaceholders(sql);
      if (texts.size < 500) texts.set(sql, text);
    }
    return text;
  };
  const guarded = <T>(fn: () => Promise<T>): Promise<T> =>
    options.inFlight.track(async () => {
      try {
        return await fn();
      } catch (error) {
        throw translateDatabaseError(error, options.where, options.detail);
      }
    });
  const execute: Execute = (sql, params = []) =>
    guarded(async () => {
      const trx = orm.em.getContext(false).getTransactionContext<KyselyLike & object>();
      return (await (trx ?? pool).executeQuery(CompiledQuery.raw(textOf(sql), params as unknown[]))).rows;
    });
  const transaction: Transaction = (fn) =>
    guarded(async () => {
      // Inside the application's transaction: its statements already share one connection.
      if (orm.em.getContext(false).getTransactionContext()) return fn(execute);
      // READ COMMITTED: no gap locks on the MySQL family, so concurrent claimers lock only their rows.
      return (pool as unknown as KyselyTransactional)
        .transaction()
        .setIsolationLevel("read committed")
        .execute((trx) => fn(async (sql, params = []) => (await trx.executeQuery(CompiledQuery.raw(textOf(sql), params as unknown[]))).rows));
    });
  if (!numbered) return { execute, executePrepared: (_name, sql, params) => execute(sql, params), transaction };
  // The pg pool behind MikroORM: named statements are prepared once per connection by pg itself.
  const pgPool = (await connection.getNativeClient()) as { query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: RawRow[] }> };
  const executePrepared: PreparedExecute = (name, sql, params = []) =>
    guarded(async () => (await pgPool.query({ name, text: textOf(sql), values: params as unknown[] })).rows);
  return { execute, executePrepared, transaction };
}

/** See `QueryContext.transaction`. */
export type Transaction = <T>(fn: (execute: Execute) => Promise<T>) => Promise<T>;

/** The part of Kysely's transaction builder the executor uses. */
interface KyselyTransactional {
  transaction(): { setIsolationLevel(level: "read committed"): { execute<T>(fn: (trx: KyselyLike) => Promise<T>): Promise<T> } };
}

/** See `QueryContext.executePrepared`. */
export type PreparedExecute = (name: string, sql: string, params?: readonly unknown[]) => Promise<RawRow[]>;
