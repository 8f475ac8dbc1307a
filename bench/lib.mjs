// Small helpers shared by the bench parent, its worker processes and the systems.
import pg from "pg";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const nowMs = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The URL of database `db` on the bench's PostgreSQL server (started by bench/run.sh). */
export function pgUrl(db) {
  const base = process.env.BENCH_PG_URL;
  if (!base) throw new Error("BENCH_PG_URL is not set: run the bench through `npm run bench`");
  return `${base}/${db}`;
}

/** Runs one statement on `url` with a short-lived client. */
export async function pgQuery(url, sql, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Creates database `db` if missing; returns its URL. */
export async function ensureDatabase(db) {
  const rows = await pgQuery(pgUrl("postgres"), "SELECT 1 FROM pg_database WHERE datname = $1", [db]);
  if (rows.length === 0) await pgQuery(pgUrl("postgres"), `CREATE DATABASE ${db}`);
  return pgUrl(db);
}

/** After a bulk insert, untimed: fresh statistics and a checkpoint, the same for every PostgreSQL system. */
export async function settle(url) {
  await pgQuery(url, "VACUUM ANALYZE");
  await pgQuery(url, "CHECKPOINT");
}

/** Percentile `p` (0..100) of sorted numbers (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
