import type { DialectName } from "../dialect.js";
import type { QueryContext } from "./context.js";

/** The quoted `<table>_limit` of the context's task table (see `migrations/limits.ts`). */
export function limitTable(ctx: QueryContext): string {
  return ctx.dialect.quoteIdent(`${ctx.table.slice(1, -1)}_limit`);
}

/** The limit-table key of queue `name` (`task:<name>` rows are the task limits'). */
export const queueKey = (name: string): string => `queue:${name}`;

/** Sets a queue's `paused` flag, creating its row (no limit state yet) when it has none. */
const UPSERT: Record<DialectName, (l: string) => string> = {
  postgresql: (l) => `INSERT INTO ${l} (limit_key, paused, starts) VALUES (?, ?, '[]') ON CONFLICT (limit_key) DO UPDATE SET paused = excluded.paused`,
  sqlite: (l) => `INSERT INTO ${l} (limit_key, paused, starts) VALUES (?, ?, '[]') ON CONFLICT (limit_key) DO UPDATE SET paused = excluded.paused`,
  mysql: (l) => `INSERT INTO ${l} (limit_key, paused, starts) VALUES (?, ?, '[]') ON DUPLICATE KEY UPDATE paused = VALUES(paused)`,
};

/**
 * Pauses or resumes queue `name`. On PostgreSQL the same round trip NOTIFYs `notify.channel` with
 * the queue's name, so idle workers look again at once (after a resume: the tasks it holds back).
 */
export async function setQueuePaused(ctx: QueryContext, name: string, paused: boolean, notify?: { channel: string }): Promise<void> {
  const { dialect } = ctx;
  const flag = dialect.name === "postgresql" ? paused : paused ? 1 : 0;
  const upsert = UPSERT[dialect.name](limitTable(ctx));
  if (notify && dialect.supportsNotify) {
    await ctx.execute(`WITH up AS (${upsert} RETURNING 1) SELECT pg_notify(?, ?)`, [queueKey(name), flag, notify.channel, name]);
  } else {
    await ctx.execute(upsert, [queueKey(name), flag]);
  }
}

/** The paused queues, sorted. */
export async function pausedQueueNames(ctx: QueryContext): Promise<string[]> {
  const rows = await ctx.execute(`SELECT limit_key FROM ${limitTable(ctx)} WHERE paused AND limit_key LIKE 'queue:%'`);
  return rows.map((r) => String(r.limit_key).slice("queue:".length)).sort();
}
