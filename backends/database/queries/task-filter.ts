import { isTaskResultStatus } from "../../../src/task-result-status.js";
import type { TaskFilter } from "../../../src/worker/task-record.js";
import type { QueryContext } from "./context.js";

export type { TaskFilter } from "../../../src/worker/task-record.js";

/** Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/**
 * The `WHERE` clause (possibly empty) and its parameters for a filter. Every value is a parameter;
 * only constant SQL is concatenated.
 */
export function filterWhere(ctx: QueryContext, f: TaskFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (f.status !== undefined && isTaskResultStatus(f.status)) {
    clauses.push("status = ?");
    params.push(f.status);
  }
  for (const [column, value] of [["queue_name", f.queueName], ["backend_name", f.backendName], ["task_path", f.taskPath]] as const) {
    if (value !== undefined) {
      clauses.push(`${column} = ?`);
      params.push(value);
    }
  }
  const search = f.search?.trim();
  if (search) {
    const pattern = escapeLike(search.toLowerCase());
    // MySQL reads '\' as an escaped quote, and backslash is already its LIKE escape character.
    const escape = ctx.dialect.name === "mysql" ? "" : " ESCAPE '\\'";
    clauses.push(`(LOWER(id) LIKE ?${escape} OR LOWER(task_path) LIKE ?${escape})`);
    params.push(`${pattern}%`, `%${pattern}%`);
  }
  return { sql: clauses.length > 0 ? ` WHERE ${clauses.join(" AND ")}` : "", params };
}
