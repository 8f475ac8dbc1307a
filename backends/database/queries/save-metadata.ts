import type { TaskMetadata } from "../../../src/task-metadata.js";
import type { DialectName } from "../dialect.js";
import type { QueryContext, RawRow } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

type Save = (ctx: QueryContext, workerId: string, id: string, json: string) => Promise<RawRow[]>;

/** Each dialect's fenced write: the row must be RUNNING and locked by the worker. */
const SAVE: Record<DialectName, Save> = {
  postgresql: (ctx, workerId, id, json) =>
    ctx.execute(`UPDATE ${ctx.table} SET metadata = ?::jsonb WHERE id = ? AND locked_by = ? AND status = 'RUNNING' RETURNING id`, [json, id, workerId]),
  sqlite: (ctx, workerId, id, json) =>
    ctx.execute(`UPDATE ${ctx.table} SET metadata = ? WHERE id = ? AND locked_by = ? AND status = 'RUNNING' RETURNING id`, [json, id, workerId]),
  mysql: (ctx, workerId, id, json) =>
    lockedWrite(ctx, {
      byId: true,
      columns: "id",
      where: "id = ? AND locked_by = ? AND status = 'RUNNING'",
      params: [id, workerId],
      write: (idsIn) => `UPDATE ${ctx.table} ${BY_PRIMARY_KEY} SET metadata = ? WHERE ${idsIn}`,
      writeParams: [json],
    }),
};

/**
 * Replaces the metadata of task `id` while `workerId` holds it (RUNNING, `locked_by`), in one
 * statement (the MySQL family: a locking read, then the write).
 * @returns whether the row was written (`false`: not held by `workerId`).
 */
export async function saveTaskMetadata(ctx: QueryContext, workerId: string, id: string, metadata: TaskMetadata): Promise<boolean> {
  const rows = await SAVE[ctx.dialect.name](ctx, workerId, id, ctx.dialect.jsonToDb(metadata)!);
  return rows.length > 0;
}
