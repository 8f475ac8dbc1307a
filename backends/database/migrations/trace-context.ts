/**
 * OpenTelemetry (DESIGN §8): the task's `trace_context` column, the W3C trace context of the span that
 * enqueued it (JSON text, e.g. `{"traceparent":"00-…"}`), read by each attempt's span. Nullable text on
 * every dialect: tasks enqueued without a trace keep NULL.
 */
import type { DialectName } from "../dialect.js";
import type { ErrandMigration } from "./migration.js";

/** Stable name recorded in the migrations table, the same on every dialect. */
export const TRACE_CONTEXT_MIGRATION_NAME = "Migration20261129500000_trace_context";

const QUOTE: Record<DialectName, string> = { postgresql: '"', sqlite: "`", mysql: "`" };

/** The migration for `dialect`'s table `tableName` (already checked by the caller's `assertTableName`). */
export function traceContextMigration(dialect: DialectName, tableName: string): ErrandMigration {
  const q = QUOTE[dialect];
  const t = `${q}${tableName}${q}`;
  const column = `${q}trace_context${q}`;
  return {
    name: TRACE_CONTEXT_MIGRATION_NAME,
    up: [`alter table ${t} add column ${column} text null`],
    down: [`alter table ${t} drop column ${column}`],
  };
}
