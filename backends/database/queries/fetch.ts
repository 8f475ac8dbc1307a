import type { TaskRecord } from "../../../src/worker/task-record.js";
import { decodeTask } from "../decode-row.js";
import type { QueryContext, RawRow } from "./context.js";

/** The row with this id, or `undefined`. */
export async function fetchTaskRow(ctx: QueryContext, id: string): Promise<RawRow | undefined> {
  const rows = await ctx.execute(`SELECT * FROM ${ctx.table} WHERE id = ?`, [id]);
  return rows[0];
}

/** The task with this id, decoded, or `undefined`. @throws TypeError for a row errand could not have written. */
export async function fetchTask(ctx: QueryContext, id: string): Promise<TaskRecord | undefined> {
  const row = await fetchTaskRow(ctx, id);
  return row && decodeTask(row, ctx.dialect);
}
