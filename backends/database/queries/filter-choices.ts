import type { QueryContext } from "./context.js";

/** The values the admin filters offer. */
export interface FilterChoices {
  queues: string[];
  backends: string[];
  taskPaths: string[];
}

const COLUMNS = { queues: "queue_name", backends: "backend_name", taskPaths: "task_path" } as const;

/** The distinct queue names, backend aliases and task names in the table (at most `limit` each, sorted). */
export async function filterChoices(ctx: QueryContext, limit = 200): Promise<FilterChoices> {
  // One after another: three small queries, and none left running when one fails.
  const entries: (readonly [string, string[]])[] = [];
  for (const [key, column] of Object.entries(COLUMNS)) {
    const rows = await ctx.execute(`SELECT DISTINCT ${column} AS v FROM ${ctx.table} ORDER BY ${column} LIMIT ?`, [limit]);
    entries.push([key, rows.map((r) => String(r.v))] as const);
  }
  return Object.fromEntries(entries) as unknown as FilterChoices;
}
