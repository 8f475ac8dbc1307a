// The floor: the least work a PostgreSQL queue with errand's guarantees does per task. A table shaped
// like a queue's, claims of a batch with FOR UPDATE SKIP LOCKED in one prepared statement, the batch's
// completion in one statement, two claim loops per process. `batch`: rows per claim, a number (500,
// graphile-worker's local queue: the ceiling) or "C" (concurrency / 2 per loop: errand's shape, no prefetch).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { sleep } from "../lib.mjs";

export const env = {};
const SCHEMA = `
CREATE TABLE IF NOT EXISTS floor_jobs (
  id bigserial PRIMARY KEY, queue text NOT NULL DEFAULT 'default', payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'READY', priority int NOT NULL DEFAULT 0, run_at timestamptz NOT NULL DEFAULT now(),
  attempts int NOT NULL DEFAULT 0, locked_by text, lease_expires_at timestamptz, finished_at timestamptz);
CREATE INDEX IF NOT EXISTS floor_jobs_claim ON floor_jobs (priority DESC, run_at, id) WHERE status = 'READY';`;
const CLAIM = `WITH next AS (SELECT id FROM floor_jobs WHERE status = 'READY' AND run_at <= now()
    ORDER BY priority DESC, run_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
  UPDATE floor_jobs AS j SET status = 'RUNNING', attempts = j.attempts + 1, locked_by = $2,
    lease_expires_at = now() + interval '30 seconds'
  FROM next WHERE j.id = next.id RETURNING j.id, j.payload`;
const COMPLETE = `UPDATE floor_jobs SET status = 'SUCCESSFUL', finished_at = now(), locked_by = NULL, lease_expires_at = NULL
  WHERE id = ANY($1::bigint[]) AND locked_by = $2 AND status = 'RUNNING'`;
const LOOPS = 2;

export async function open({ url }) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  await pool.query(SCHEMA);
  return {
    async reset() {
      await pool.query("TRUNCATE floor_jobs RESTART IDENTITY");
    },
    async enqueueBulk(payloads) {
      await pool.query("INSERT INTO floor_jobs (payload) SELECT p::jsonb FROM unnest($1::text[]) AS p", [payloads.map((p) => JSON.stringify(p))]);
    },
    async enqueueOne(payload) {
      await pool.query({ name: "insert", text: "INSERT INTO floor_jobs (payload) VALUES ($1)", values: [payload] });
    },
    /** The growth scenario (`--growth`): `n` SUCCESSFUL rows already stored. */
    async fillFinished(n) {
      await pool.query("INSERT INTO floor_jobs (payload, status, attempts, finished_at) SELECT '{}', 'SUCCESSFUL', 1, now() - interval '1 hour' FROM generate_series(1, $1::int)", [n]);
    },
    async remaining() {
      const { rows } = await pool.query("SELECT count(*) AS n FROM floor_jobs WHERE status <> 'SUCCESSFUL'");
      return Number(rows[0].n);
    },
    close: () => pool.end(),
  };
}

export async function prepare({ url, concurrency, batch: size }, hook) {
  const pool = new pg.Pool({ connectionString: url, max: LOOPS });
  await Promise.all([pool.connect(), pool.connect()].map(async (c) => (await c).release()));
  const workerId = `floor:${process.pid}:${randomBytes(3).toString("hex")}`;
  const batch = size === "C" ? Math.max(1, Math.ceil(concurrency / LOOPS)) : size;
  let stopping = false;
  const loop = async () => {
    while (!stopping) {
      const { rows } = await pool.query({ name: "claim", text: CLAIM, values: [batch, workerId] });
      if (rows.length === 0) {
        await sleep(5);
        continue;
      }
      for (let i = 0; i < rows.length; i += concurrency) await Promise.all(rows.slice(i, i + concurrency).map(async (r) => hook(r.payload)));
      await pool.query({ name: "complete", text: COMPLETE, values: [rows.map((r) => r.id), workerId] });
    }
  };
  let loops = [];
  return {
    start() {
      loops = Array.from({ length: LOOPS }, loop);
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await pool.end();
    },
  };
}
