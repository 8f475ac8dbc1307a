import type { Claimed } from "../../../src/worker/task-record.js";
import { decodeClaimed } from "../decode-row.js";
import type { DialectName } from "../dialect.js";
import type { QueryContext } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

/** `worker_ids` with one more id (the `?` parameter) appended, per dialect. */
const APPEND_WORKER: Record<DialectName, string> = {
  postgresql: "worker_ids || jsonb_build_array(?::text)",
  sqlite: "json_insert(worker_ids, '$[#]', ?)",
  mysql: "JSON_ARRAY_APPEND(worker_ids, '$', ?)",
};

/** Parameters of {@link claimTaskById}. */
export interface ClaimByIdParams {
  id: string;
  workerId: string;
  /** Also claim a FAILED task (a manual retry): its finish time is cleared and it runs again. */
  allowRetry: boolean;
  /** The worker's time, recorded as the attempt's start. */
  now: Date;
  /** The lease, in milliseconds from the database's clock. */
  leaseMs: number;
}

/**
 * Claims one task by id, whatever its due time, if it is READY (or FAILED with `allowRetry`).
 * A retried FAILED task gets one more attempt than it has used, so the run is not its last by default.
 * @returns the claimed task, decoded, or `undefined` when the task does not exist or is not in a runnable status.
 */
export async function claimTaskById(ctx: QueryContext, p: ClaimByIdParams): Promise<Claimed | undefined> {
  const { dialect, table } = ctx;
  const now = dialect.toDb(p.now);
  const appendWorker = APPEND_WORKER[dialect.name];
  const statuses = p.allowRetry ? "('READY', 'FAILED')" : "('READY')";
  // MySQL evaluates SET assignments left to right: max_attempts reads status and attempts before they change.
  const set = `max_attempts = CASE WHEN status = 'FAILED' AND max_attempts <= attempts THEN attempts + 1 ELSE max_attempts END,
       status = 'RUNNING', started_at = COALESCE(started_at, ?), last_attempted_at = ?,
       finished_at = NULL, attempts = attempts + 1, worker_ids = ${appendWorker}, locked_by = ?, lease_expires_at = ${dialect.nowPlusMsSql}`;
  const setParams = [now, now, p.workerId, p.workerId, Math.round(p.leaseMs)];
  const rows =
    dialect.name === "mysql"
      ? await lockedWrite(ctx, {
          byId: true,
          columns: "id",
          where: `id = ? AND status IN ${statuses}`,
          params: [p.id],
          write: (idsIn) => `UPDATE ${table} ${BY_PRIMARY_KEY} SET ${set} WHERE ${idsIn}`,
          writeParams: setParams,
          after: (execute) => execute(`SELECT * FROM ${table} WHERE id = ?`, [p.id]),
        })
      : await ctx.execute(`UPDATE ${table} SET ${set} WHERE id = ? AND status IN ${statuses} RETURNING *`, [...setParams, p.id]);
  return rows[0] && decodeClaimed(rows[0], dialect);
}
