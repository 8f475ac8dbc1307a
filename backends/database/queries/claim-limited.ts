import type { ClaimLimits } from "../../../src/worker/store.js";
import type { DialectName } from "../dialect.js";
import { placeholders, queueFilter, type Execute, type QueryContext, type RawRow } from "./context.js";
import { limitTable, queueKey } from "./pause.js";
import { CLAIM_ORDER, CLAIMED_COLUMNS, markClaimed } from "./claim-columns.js";
import type { ClaimParams } from "./claim.js";

/** The plain claim's parameters, with the limits it must respect. */
export type LimitedClaimParams = ClaimParams & { limits: ClaimLimits };

/** The columns a limited claim reads: the SQLite/MySQL claim's, plus the concurrency key. */
const COLUMNS = `${CLAIMED_COLUMNS}, concurrency_key`;
const ORDER = CLAIM_ORDER;

/** The database's clock as epoch milliseconds, read when the statement runs (after the locks were taken). */
const NOW_MS: Record<DialectName, string> = {
  postgresql: "extract(epoch from clock_timestamp()) * 1000",
  sqlite: "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)",
  mysql: "UNIX_TIMESTAMP(NOW(3)) * 1000",
};

/** Creates a limit row if missing, per dialect. */
const ENSURE_ROW: Record<DialectName, (l: string) => string> = {
  postgresql: (l) => `INSERT INTO ${l} (limit_key, paused, starts) VALUES (?, false, '[]') ON CONFLICT (limit_key) DO NOTHING`,
  sqlite: (l) => `INSERT OR IGNORE INTO ${l} (limit_key, paused, starts) VALUES (?, 0, '[]')`,
  mysql: (l) => `INSERT IGNORE INTO ${l} (limit_key, paused, starts) VALUES (?, false, '[]')`,
};

/** Limit rows known to exist, per limit table: created once per process. */
const ensured = new Set<string>();

/** How many READY rows a limited claim looks at for `limit` claims (some may be over a limit). */
const candidatesFor = (limit: number): number => Math.min(Math.max(limit * 2, limit + 20), 1000);

/**
 * Claims like `claim.ts` while respecting `p.limits` (DESIGN §7), on every dialect, with no
 * over-claim under concurrent claimers: in one READ COMMITTED transaction it first locks the limit
 * rows of the limited task names and queues it may claim (`SELECT … FOR UPDATE` in key order, so
 * claimers queue up without deadlocks; on SQLite a no-op UPDATE takes the database write lock), so
 * every limited claim of those names and queues runs one after the other. Under the locks it counts
 * the RUNNING tasks per name and key and per queue (each committed claim is visible: the previous
 * holder committed before releasing), reads each rate-limited queue's recent start times (a
 * sliding log of at most `limit` entries on its row), picks from the due READY rows in claim order
 * those that fit, marks them RUNNING, and logs their starts. Returns `undefined` when no limit
 * applies to what this claim may take, so the caller runs the plain (fast) claim.
 */
export async function claimLimited(ctx: QueryContext, p: LimitedClaimParams): Promise<RawRow[] | undefined> {
  const { dialect, table } = ctx;
  const excluded = new Set(p.excludeQueues ?? []);
  const mayTake = (q: string) => !excluded.has(q) && (p.queues === null || p.queues.includes(q));
  const taskLimits = p.taskNames.filter((n) => p.limits.tasks[n] !== undefined);
  const queueLimits = Object.keys(p.limits.queues).filter(mayTake);
  if (taskLimits.length === 0 && queueLimits.length === 0) return undefined;
  const keys = [...taskLimits.map((n) => `task:${n}`), ...queueLimits.map(queueKey)].sort();
  const l = limitTable(ctx);
  for (const key of keys) {
    if (ensured.has(`${l}\0${key}`)) continue;
    await ctx.execute(ENSURE_ROW[dialect.name](l), [key]);
    ensured.add(`${l}\0${key}`);
  }
  return ctx.transaction(async (execute) => {
    const inKeys = `limit_key IN (${placeholders(keys.length)})`;
    if (dialect.name === "sqlite") await execute(`UPDATE ${l} SET starts = starts WHERE ${inKeys}`, keys);
    const locked = await execute(`SELECT limit_key, starts FROM ${l} WHERE ${inKeys} ORDER BY limit_key${dialect.name === "sqlite" ? "" : " FOR UPDATE"}`, keys);
    const nowMs = Number((await execute(`SELECT ${NOW_MS[dialect.name]} AS now_ms`))[0]!.now_ms);
    const room = await roomUnderLocks(execute, table, p.limits, taskLimits, queueLimits, locked, nowMs);
    const { sql: filter, params: filterParams } = queueFilter(p.queues, [...excluded, ...room.fullQueues]);
    const skipLocked = dialect.name === "sqlite" ? "" : " FOR UPDATE SKIP LOCKED";
    const candidates = await execute(
      `SELECT ${COLUMNS} FROM ${table}
       WHERE status = 'READY' AND available_at <= ${dialect.nowSql} AND task_path IN (${placeholders(p.taskNames.length)})${filter}
       ORDER BY ${ORDER} LIMIT ?${skipLocked}`,
      [...p.taskNames, ...filterParams, candidatesFor(p.limit)],
    );
    const picked = pick(candidates, p.limit, room, p.limits);
    if (picked.length === 0) return picked;
    await markClaimed(ctx, execute, picked, p);
    const rated = [...room.starts].map(([queue, starts]) => ({ queue, starts, n: picked.filter((r) => r.queue_name === queue).length })).filter((r) => r.n > 0);
    if (rated.length > 0) {
      // Stamped as late as possible (the tasks start right after the commit), so the window the
      // tasks see starts where the log says.
      const startedMs = Number((await execute(`SELECT ${NOW_MS[dialect.name]} AS now_ms`))[0]!.now_ms);
      for (const { queue, starts, n } of rated) {
        await execute(`UPDATE ${l} SET starts = ? WHERE limit_key = ?`, [JSON.stringify([...starts, ...new Array<number>(n).fill(startedMs)]), queueKey(queue)]);
      }
    }
    for (const row of picked) delete row.concurrency_key;
    return picked;
  });
}

/**
 * How much longer than `perMs` a start stays in its rate-limit window: 5 % of the window, at most
 * 50 ms. A task starts a few milliseconds after its claim is stamped (the commit, the hand-over to
 * a free slot), and not by the same amount for every claim; without the margin, a claim admitted
 * the moment an earlier batch leaves the window could start within `perMs` of that batch's starts
 * as the tasks see them. The sustained rate is `limit` per `perMs` plus this margin.
 */
function dispatchMarginMs(perMs: number): number {
  return Math.min(50, Math.ceil(perMs / 20));
}

/** What is left under the limits, counted while their rows are locked. */
interface Room {
  /** Per `task\0key` (key "" for none): claims left; only limited names. */
  tasks: Map<string, number>;
  /** Per limited queue: claims left (the least of its concurrency and its rate limit). */
  queues: Map<string, number>;
  /** Limited queues with no room: left out of the candidate query. */
  fullQueues: string[];
  /** Per rate-limited queue: the start times still inside its window, to which new starts are appended. */
  starts: Map<string, number[]>;
}

async function roomUnderLocks(
  execute: Execute, table: string, limits: ClaimLimits, taskLimits: string[], queueLimits: string[], locked: RawRow[], nowMs: number,
): Promise<Room> {
  const running = await execute(
    `SELECT task_path, concurrency_key, queue_name, COUNT(*) AS n FROM ${table}
     WHERE status = 'RUNNING' AND (task_path IN (${placeholders(taskLimits.length) || "NULL"}) OR queue_name IN (${placeholders(queueLimits.length) || "NULL"}))
     GROUP BY task_path, concurrency_key, queue_name`,
    [...taskLimits, ...queueLimits],
  );
  const room: Room = { tasks: new Map(), queues: new Map(), fullQueues: [], starts: new Map() };
  const runningIn = new Map<string, number>();
  for (const r of running) {
    const n = Number(r.n);
    const name = String(r.task_path);
    if (limits.tasks[name] !== undefined) {
      const k = `${name}\0${r.concurrency_key ?? ""}`;
      room.tasks.set(k, (room.tasks.get(k) ?? limits.tasks[name]) - n);
    }
    const q = String(r.queue_name);
    runningIn.set(q, (runningIn.get(q) ?? 0) + n);
  }
  const logs = new Map(locked.map((r) => [String(r.limit_key), String(r.starts)]));
  for (const q of queueLimits) {
    const { concurrency, rateLimit } = limits.queues[q]!;
    let left = concurrency === undefined ? Infinity : concurrency - (runningIn.get(q) ?? 0);
    if (rateLimit) {
      let log: number[] = [];
      try {
        const since = nowMs - rateLimit.perMs - dispatchMarginMs(rateLimit.perMs);
        log = (JSON.parse(logs.get(queueKey(q)) ?? "[]") as number[]).filter((t) => t > since);
      } catch {
        // A damaged log starts afresh.
      }
      room.starts.set(q, log.slice(-rateLimit.limit));
      left = Math.min(left, rateLimit.limit - log.length);
    }
    room.queues.set(q, left);
    if (left <= 0) room.fullQueues.push(q);
  }
  return room;
}

/** The candidates, in claim order, that fit in `room` (which it uses up), at most `limit`. */
function pick(candidates: RawRow[], limit: number, room: Room, limits: ClaimLimits): RawRow[] {
  const picked: RawRow[] = [];
  for (const row of candidates) {
    if (picked.length >= limit) break;
    const name = String(row.task_path);
    const q = String(row.queue_name);
    const queueLeft = room.queues.get(q);
    if (queueLeft !== undefined && queueLeft <= 0) continue;
    const k = `${name}\0${row.concurrency_key ?? ""}`;
    const taskLeft = room.tasks.get(k) ?? limits.tasks[name];
    if (taskLeft !== undefined && taskLeft <= 0) continue;
    if (taskLeft !== undefined) room.tasks.set(k, taskLeft - 1);
    if (queueLeft !== undefined) room.queues.set(q, queueLeft - 1);
    picked.push(row);
  }
  return picked;
}
