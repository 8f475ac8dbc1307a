import type { QueryContext } from "../../queries/context.js";

/** The values the admin filters offer. */
export interface FilterChoices {
  queues: string[];
  backends: string[];
  taskPaths: string[];
}

const COLUMNS = { queues: "queue_name", backends: "backend_name", taskPaths: "task_path" } as const;

/** The distinct queue names, backend aliases and task names in the table (at most `limit` each, sorted). */
export async function filterChoices(ctx: QueryContext, limit = 200): Promise<FilterChoices> {
  const entries = await Promise.all(
    Object.entries(COLUMNS).map(async ([key, column]) => {
      const rows = await ctx.execute(`SELECT DISTINCT ${column} AS v FROM ${ctx.table} ORDER BY ${column} LIMIT ?`, [limit]);
      return [key, rows.map((r) => String(r.v))] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as FilterChoices;
}
