import { text } from "../decode-row.js";
import { placeholders, type Execute, type QueryContext, type RawRow } from "./context.js";

/**
 * The MySQL family's index hint for a statement that addresses rows by id (`… WHERE id IN (?, …)`).
 * On a small table (a fresh deployment, a purged one) MariaDB's optimizer scans the whole primary
 * key or table for such a list rather than looking the ids up, and a locking statement locks every
 * row it examines: READ COMMITTED releases the rows that do not match only after looking at them.
 * A claimer's `SKIP LOCKED` that meets one of those rows in that moment skips it, so the claim comes
 * back short while a due READY task stays behind (seen as a flaky conformance case:
 * store-port-mariadb, "concurrent claimers never get the same task"). With the hint the statement
 * touches exactly the ids (a range or eq_ref on the primary key). Put it after the table name (and
 * alias): `UPDATE t FORCE INDEX (PRIMARY) SET …`; a DELETE takes it in the multi-table form
 * (`DELETE t FROM t FORCE INDEX (PRIMARY) WHERE …`), since single-table DELETE accepts no hints.
 */
export const BY_PRIMARY_KEY = "FORCE INDEX (PRIMARY)";

/** A write on the MySQL family, which has no `UPDATE … RETURNING` (MariaDB 10.11 neither; only DELETE/INSERT). */
export interface LockedWrite {
  /** The columns to read from the matching rows (at least `id`), e.g. `"id"` or `"*"`. */
  columns: string;
  /** The condition of the write (without `WHERE`), with `?` parameters `params`. */
  where: string;
  params: readonly unknown[];
  /**
   * The condition picks rows by id (`id = ?`, `id IN (…)`): the locking read looks them up by primary
   * key ({@link BY_PRIMARY_KEY}) and locks no other row. Leave unset for conditions on other columns.
   */
  byId?: boolean;
  /** `ORDER BY … LIMIT …` (with its parameters appended to `params`), if any. */
  tail?: string;
  /**
   * Builds the write for the locked rows: `idsIn` is `id IN (?, …)`, whose parameters follow
   * `writeParams`. Hint the table with {@link BY_PRIMARY_KEY}, so the write examines only those rows.
   */
  write: (idsIn: string) => string;
  writeParams: readonly unknown[];
  /** Runs after the write, in the same transaction (e.g. reads the rows back). */
  after?: (execute: Execute, ids: string[]) => Promise<RawRow[]>;
}

/**
 * The MySQL family's `UPDATE/DELETE … RETURNING`: in one short transaction, a locking read
 * (`SELECT … FOR UPDATE`) of the rows `where` matches, then the write on exactly those ids. The rows
 * stay locked until commit, so the condition still holds when the write runs, and the ids read are
 * the rows written: a concurrent fenced write (a worker storing an outcome, another recovering)
 * waits for this one and then finds the row changed, as on PostgreSQL. Rows picked by id are read
 * and written by primary key ({@link BY_PRIMARY_KEY}), so no other row is locked, even for a moment.
 * @returns the rows read (before the write), or what `after` returned.
 */
export function lockedWrite(ctx: QueryContext, w: LockedWrite): Promise<RawRow[]> {
  return ctx.transaction(async (execute) => {
    const rows = await execute(`SELECT ${w.columns} FROM ${ctx.table}${w.byId ? ` ${BY_PRIMARY_KEY}` : ""} WHERE ${w.where}${w.tail ? ` ${w.tail}` : ""} FOR UPDATE`, w.params);
    if (rows.length === 0) return rows;
    const ids = rows.map((r) => text(r.id));
    await execute(w.write(`id IN (${placeholders(ids.length)})`), [...w.writeParams, ...ids]);
    return w.after ? w.after(execute, ids) : rows;
  });
}
