import type { QueryContext, RawRow } from "./context.js";

/** The row with this id, or `undefined`. */
export async function fetchTaskRow(ctx: QueryContext, id: string): Promise<RawRow | undefined> {
  const rows = await ctx.execute(`SELECT * FROM ${ctx.table} WHERE id = ?`, [id]);
  return rows[0];
}
