import type { FilterChoices } from "../../../src/worker/task-record.js";
import { text } from "../decode-row.js";
import type { QueryContext } from "./context.js";

export type { FilterChoices } from "../../../src/worker/task-record.js";

const COLUMNS = { queues: "queue_name", backends: "backend_name", taskPaths: "task_path" } as const;

/** The distinct queue names, backend aliases and task names in the table (at most `limit` each, sorted). */
export async function filterChoices(ctx: QueryContext, limit = 200): Promise<FilterChoices> {
  // One after another: three small queries, and none left running when one fails.
  const choices: FilterChoices = { queues: [], backends: [], taskPaths: [] };
  for (const [key, column] of Object.entries(COLUMNS) as [keyof FilterChoices, string][]) {
    const rows = await ctx.execute(`SELECT DISTINCT ${column} AS v FROM ${ctx.table} ORDER BY ${column} LIMIT ?`, [limit]);
    choices[key] = rows.map((r) => text(r.v));
  }
  return choices;
}
