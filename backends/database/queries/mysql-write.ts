import { text } from "../decode-row.js";
import { placeholders, type Execute, type QueryContext, type RawRow } from "./context.js";

/** A write on the MySQL family, which has no `UPDATE … RETURNING` (MariaDB 10.11 neither; only DELETE/INSERT). */
export interface LockedWrite {
  /** The columns to read from the matching rows (at least `id`), e.g. `"id"` or `"*"`. */
  columns: string;
  /** The condition of the write (without `WHERE`), with `?` parameters `params`. */
  where: string;
  params: readonly unknown[];
  /** `ORDER BY … LIMIT …` (with its parameters appended to `params`), if any. */
  tail?: string;
  /** Builds the write for the locked rows: `idsIn` is `id IN (?, …)`, whose parameters follow `writeParams`. */
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
 * waits for this one and then finds the row changed, as on PostgreSQL.
 * @returns the rows read (before the write), or what `after` returned.
 */
export function lockedWrite(ctx: QueryContext, w: LockedWrite): Promise<RawRow[]> {
  return ctx.transaction(async (execute) => {
    const rows = await execute(`SELECT ${w.columns} FROM ${ctx.table} WHERE ${w.where}${w.tail ? ` ${w.tail}` : ""} FOR UPDATE`, w.params);
    if (rows.length === 0) return rows;
    const ids = rows.map((r) => text(r.id));
    await execute(w.write(`id IN (${placeholders(ids.length)})`), [...w.writeParams, ...ids]);
    return w.after ? w.after(execute, ids) : rows;
  });
}
