// Isolation measurements of errand's PostgreSQL hot path (issue 19): N tasks enqueued by errand into a
// scratch database (h19iso on PGBASE, dropped and recreated), then claimed B at a time and completed
// by CONC connections running the claim and a completion variant (V) as raw prepared statements; the
// server CPU of each backend is read from /proc/<pid>/schedstat (ns), so the PostgreSQL server must
// run on this machine. Not part of `npm run bench`; run from the checkout after `npm run build`:
//   N=20000 B=250 CONC=1 V=current node bench/isolation.mjs
// V: current (the general completion), ok2/ok3/ok5 (all-SUCCESSFUL statements tried), const (SET
// constants, WHERE id = ANY: the floor of an UPDATE completion), delete (keepSuccessfulResults:
// false), hot (with SETUP=hot: the completion as a HOT update, leases in a table of their own). SETUP: SQL run after the migrations (";;"-separated, e.g. "drop index …"); CLAIM: another
// claim statement; DBCOLL / DBICU: the scratch database's libc collation / ICU locale; RV: a JSON
// return value for every task.
import { readFileSync } from "node:fs";
import pg from "pg";
import { configureTasks, task, taskBackends } from "errand";
import { DatabaseBackend } from "errand/backends/database";

const N = Number(process.env.N ?? 20000), B = Number(process.env.B ?? 250);
const base = process.env.PGBASE ?? "postgresql://postgres@127.0.0.1:5432";
const variant = process.env.V ?? "current";
const admin = new pg.Client(`${base}/postgres`); await admin.connect();
await admin.query("DROP DATABASE IF EXISTS h19iso WITH (FORCE)"); await admin.query(process.env.DBICU ? `CREATE DATABASE h19iso TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${process.env.DBICU}' LOCALE 'C.utf8'` : process.env.DBCOLL ? `CREATE DATABASE h19iso TEMPLATE template0 LC_COLLATE '${process.env.DBCOLL}' LC_CTYPE '${process.env.DBCOLL}'` : "CREATE DATABASE h19iso"); await admin.end();
const url = `${base}/h19iso`;
const noop = task(async function benchNoop() {});
configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url } } });
const backend = taskBackends.get("default"); await backend.migrate();
// SETUP=hot: the layout whose completion is a HOT update (issue 19's question): no index reads
// status, finished_at or lease_expires_at; a task is claimable while locked_by IS NULL (a finished
// task keeps its worker's id there); leases live in a table of their own; heap pages keep 20 % free.
const HOT_SETUP = [
  `ALTER TABLE ${"errand_task_result"} SET (fillfactor = ${Number(process.env.FILLFACTOR ?? 80)})`,
  "DROP INDEX errand_task_result_claim_idx", "DROP INDEX errand_task_result_lease_idx", "DROP INDEX errand_task_result_finished_idx", "DROP INDEX errand_task_result_task_path_idx",
  `CREATE INDEX errand_task_result_claim_idx ON errand_task_result (priority DESC, available_at, enqueued_at) WHERE locked_by IS NULL`,
  `CREATE INDEX errand_task_result_task_path_idx ON errand_task_result (task_path) WHERE locked_by IS NULL`,
  `CREATE TABLE errand_lease (id varchar(64) COLLATE "C" PRIMARY KEY, locked_by varchar(64) NOT NULL, expires_at timestamptz NOT NULL)`,
].join(";;");
const setup = process.env.SETUP === "hot" ? HOT_SETUP : process.env.SETUP;
if (setup) { const c = new pg.Client(url); await c.connect(); for (const s of setup.split(";;")) await c.query(s); await c.end(); }
const t0 = Date.now();
await noop.enqueueMany(Array.from({ length: N }, (_, i) => [{ i }]));
const enqMs = Date.now() - t0;
await taskBackends.close();
const c = new pg.Client(url); await c.connect();
await c.query("VACUUM ANALYZE errand_task_result"); await c.query("CHECKPOINT");
const pid = (await c.query("select pg_backend_pid() p")).rows[0].p;
const cpu = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1000; // µs on CPU
const T = "errand_task_result";
/**
 * errand's claim statement. `hot`: the HOT-completion layout's (SETUP=hot): a task is claimable while
 * `locked_by IS NULL`, and its lease goes into `errand_lease` in the same statement, not into the row.
 */
function claimSql(hot) {
  return `WITH next AS (
  SELECT ctid FROM ${T} WHERE ${hot ? "locked_by IS NULL AND " : ""}status = 'READY' AND available_at <= now() AND task_path = ANY($1::text[])
    AND ($2::text[] IS NULL OR queue_name = ANY($2::text[])) AND NOT (queue_name = ANY($3::text[]))
  ORDER BY priority DESC, available_at, enqueued_at LIMIT $4 FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE ${T} AS t SET status = 'RUNNING', started_at = COALESCE(t.started_at, $5), last_attempted_at = $5,
    attempts = t.attempts + 1, worker_ids = t.worker_ids || jsonb_build_array($6::text), locked_by = $6${hot ? "" : ", lease_expires_at = (now() + $7::float8 * interval '1 millisecond')"}
  WHERE t.ctid = ANY(ARRAY(SELECT ctid FROM next))
  RETURNING t.id, t.task_path, t.queue_name, t.backend_name, t.priority, t.args, NULLIF(t.errors, '[]'::jsonb) AS errors,
   CASE WHEN jsonb_array_length(t.worker_ids) = 1 THEN NULL ELSE t.worker_ids END AS worker_ids, t.attempts, t.max_attempts, t.metadata,
   CASE WHEN t.started_at = t.last_attempted_at THEN NULL ELSE date_part('epoch', t.started_at) * 1000 END AS started_at,
   date_part('epoch', t.enqueued_at) * 1000 AS enqueued_at, date_part('epoch', t.run_after) * 1000 AS run_after,
   date_part('epoch', t.available_at) * 1000 AS available_at, date_part('epoch', t.scheduled_at) * 1000 AS scheduled_at, t.trace_context
)${hot ? ", leased AS (INSERT INTO errand_lease (id, locked_by, expires_at) SELECT id, $6, now() + $7::float8 * interval '1 millisecond' FROM claimed)\n" : " "}SELECT id, task_path, queue_name, backend_name, priority, args, errors, worker_ids, attempts, max_attempts, enqueued_at, run_after, started_at, scheduled_at, metadata, trace_context FROM claimed ORDER BY priority DESC, available_at, enqueued_at`;
}
const CLAIM = process.env.CLAIM ?? claimSql(variant === "hot");
const COMPLETE_CURRENT = `WITH done AS (UPDATE ${T} AS t SET status = v.status,
  return_value = CASE WHEN v.status = 'SUCCESSFUL' THEN v.return_value ELSE t.return_value END,
  errors = CASE WHEN v.status = 'SUCCESSFUL' THEN t.errors ELSE v.errors END,
  finished_at = CASE WHEN v.status = 'READY' THEN t.finished_at ELSE to_timestamp(v.at / 1000) END,
  available_at = CASE WHEN v.status = 'READY' THEN now() + v.retry_in * interval '1 millisecond' ELSE t.available_at END,
  locked_by = NULL, lease_expires_at = NULL
  FROM jsonb_to_recordset($1::jsonb) AS v(id text, status text, return_value jsonb, errors jsonb, at float8, retry_in float8)
  WHERE t.id = ANY($2::text[]) AND t.id = v.id AND t.locked_by = $3 RETURNING t.id) SELECT id, pg_notify($4, '') FROM done`;
const COMPLETE_OK = `WITH done AS (UPDATE ${T} AS t SET status = 'SUCCESSFUL', return_value = v.rv, finished_at = to_timestamp(v.at / 1000),
  locked_by = NULL, lease_expires_at = NULL
  FROM unnest($1::text[], $2::jsonb[], $3::float8[]) AS v(id, rv, at)
  WHERE t.id = v.id AND t.locked_by = $4 RETURNING t.id) SELECT id, pg_notify($5, '') FROM done`;
const COMPLETE_OK2 = `WITH done AS (UPDATE ${T} AS t SET status = 'SUCCESSFUL', return_value = $2::jsonb -> (v.n::int - 1), finished_at = to_timestamp(v.at / 1000),
  locked_by = NULL, lease_expires_at = NULL
  FROM unnest($1::text[], $3::float8[]) WITH ORDINALITY AS v(id, at, n)
  WHERE t.id = v.id AND t.locked_by = $4 RETURNING t.id) SELECT id, pg_notify($5, '') FROM done`;
const COMPLETE_OKID = `WITH done AS (UPDATE ${T} AS t SET status = 'SUCCESSFUL', return_value = $2::jsonb -> (v.n::int - 1), finished_at = to_timestamp(v.at / 1000),
  locked_by = NULL, lease_expires_at = NULL
  FROM unnest($1::text[], $3::float8[]) WITH ORDINALITY AS v(id, at, n)
  WHERE t.id = ANY($1::text[]) AND t.id = v.id AND t.locked_by = $4 RETURNING t.id) SELECT id, pg_notify($5, '') FROM done`;
let claimCpu = 0, compCpu = 0, claims = 0, comps = 0, n = 0, claimMs = 0, compMs = 0;
const CONC = Number(process.env.CONC ?? 1);
const clients = [c]; for (let k = 1; k < CONC; k++) { const x = new pg.Client(url); await x.connect(); clients.push(x); }
const pids = await Promise.all(clients.map(async (x) => (await x.query("select pg_backend_pid() p")).rows[0].p));
const cpuAll = () => pids.reduce((s, p) => s + Number(readFileSync(`/proc/${p}/schedstat`, "utf8").split(" ")[0]) / 1000, 0);
const all0 = cpuAll(), wall0 = performance.now(), node0 = process.cpuUsage();
async function loop(c, k) {
const W = `worker:1234:abcde${k}`;
const cpu = () => Number(readFileSync(`/proc/${pids[k]}/schedstat`, "utf8").split(" ")[0]) / 1000;
for (;;) {
  let a = cpu(), t = performance.now();
  const { rows } = await c.query({ name: "claim", text: CLAIM, values: [["benchNoop"], null, [], B, new Date(), W, 30000] });
  claimCpu += cpu() - a; claimMs += performance.now() - t; claims++;
  if (rows.length === 0) break;
  if (process.env.PACKED) for (const x of rows) { const a = JSON.parse(x.id); x.id = a[0]; }
  n += rows.length;
  const now = Date.now();
  a = cpu(); t = performance.now();
  let r;
  if (variant === "current") {
    const recs = JSON.stringify(rows.map((x) => ({ id: x.id, status: "SUCCESSFUL", return_value: process.env.RV ? JSON.parse(process.env.RV) : null, errors: null, at: now, retry_in: null })));
    r = await c.query({ name: "comp", text: COMPLETE_CURRENT, values: [recs, rows.map((x) => x.id), W, "chan"] });
  } else if (variant === "ok") {
    r = await c.query({ name: "comp", text: COMPLETE_OK, values: [rows.map((x) => x.id), rows.map(() => null), rows.map(() => now), W, "chan"] });
  } else if (variant === "ok2") {
    r = await c.query({ name: "comp", text: COMPLETE_OK2, values: [rows.map((x) => x.id), JSON.stringify(rows.map(() => process.env.RV ? JSON.parse(process.env.RV) : null)), rows.map(() => now), W, "chan"] });
  } else if (variant === "okid") {
    r = await c.query({ name: "comp", text: COMPLETE_OKID, values: [rows.map((x) => x.id), JSON.stringify(rows.map(() => null)), rows.map(() => now), W, "chan"] });
  } else if (variant === "ok3") {
    r = await c.query({ name: "comp", text: `WITH done AS (UPDATE ${T} AS t SET status = 'SUCCESSFUL', return_value = NULLIF(v.value, 'null'::jsonb),
       finished_at = to_timestamp(v.at / 1000), locked_by = NULL, lease_expires_at = NULL
     FROM ROWS FROM (unnest($1::text[]), unnest($2::float8[]), jsonb_array_elements($3::jsonb)) AS v(id, at, value)
     WHERE t.id = v.id AND t.locked_by = $4 RETURNING t.id) SELECT id, pg_notify($5, '') FROM done`, values: [rows.map((x) => x.id), rows.map(() => now), JSON.stringify(rows.map(() => process.env.RV ? JSON.parse(process.env.RV) : null)), W, "chan"] });
  } else if (variant === "ok4") {
    const ids = rows.map((x) => x.id);
    const q = await c.query({ name: "comp", text: `WITH done AS (UPDATE ${T} AS t SET status = 'SUCCESSFUL', return_value = NULLIF(v.value, 'null'::jsonb),
       finished_at = to_timestamp(v.at / 1000), locked_by = NULL, lease_expires_at = NULL
     FROM ROWS FROM (unnest($1::text[]), unnest($2::float8[]), jsonb_array_elements($3::jsonb)) AS v(id, at, value)
     WHERE t.id = v.id AND t.locked_by = $4 RETURNING t.id)
     SELECT ARRAY(SELECT x FROM unnest($1::text[]) AS x WHERE x NOT IN (SELECT id FROM done)) AS refused,
       CASE WHEN EXISTS (SELECT FROM done) THEN pg_notify($5, '') END AS n`, values: [ids, rows.map(() => now), JSON.stringify(rows.map(() => process.env.RV ? JSON.parse(process.env.RV) : null)), W, "chan"] });
    const refused = new Set(q.rows[0].refused);
    r = { rows: ids.filter((id) => !refused.has(id)).map((id) => ({ id })) };
  } else if (variant === "ok5") {
    r = await c.query({ name: "comp", text: `WITH done AS (UPDATE ${T} AS t SET status = 'SUCCESSFUL', return_value = NULLIF(v.value, 'null'::jsonb),
       finished_at = to_timestamp(v.at / 1000), locked_by = NULL, lease_expires_at = NULL
     FROM ROWS FROM (unnest($1::text[]), unnest($2::float8[]), jsonb_array_elements($3::jsonb)) AS v(id, at, value)
     WHERE t.id = ANY($1::text[]) AND t.id = v.id AND t.locked_by = $4 RETURNING t.id) SELECT id, pg_notify($5, '') FROM done`, values: [rows.map((x) => x.id), rows.map(() => now), JSON.stringify(rows.map(() => process.env.RV ? JSON.parse(process.env.RV) : null)), W, "chan"] });
  } else if (variant === "const") {
    r = await c.query({ name: "comp", text: `UPDATE ${T} AS t SET status = 'SUCCESSFUL', finished_at = now(), locked_by = NULL, lease_expires_at = NULL WHERE t.id = ANY($1::text[]) AND t.locked_by = $2 RETURNING t.id`, values: [rows.map((x) => x.id), W] });
  } else if (variant === "constnoret") {
    r = await c.query({ name: "comp", text: `UPDATE ${T} AS t SET status = 'SUCCESSFUL' WHERE t.id = ANY($1::text[]) AND t.locked_by = $2 RETURNING t.id`, values: [rows.map((x) => x.id), W] });
  } else if (variant === "hot") {
    // The HOT-completion layout (SETUP=hot, see the file comment): the completion changes no indexed
    // or predicate column (locked_by stays set, status and finished_at are in no index), so it is a
    // HOT update; the lease row the claim inserted goes in the same statement.
    r = await c.query({ name: "comp", text: `WITH done AS (UPDATE ${T} AS t SET status = 'SUCCESSFUL', return_value = NULLIF(v.value, 'null'::jsonb),
       finished_at = to_timestamp(v.at / 1000)
     FROM ROWS FROM (unnest($1::text[]), unnest($2::float8[]), jsonb_array_elements($3::jsonb)) AS v(id, at, value)
     WHERE t.id = ANY($1::text[]) AND t.id = v.id AND t.locked_by = $4 AND t.status = 'RUNNING' RETURNING t.id),
     gone AS (DELETE FROM errand_lease AS l WHERE l.id IN (SELECT id FROM done))
     SELECT id, pg_notify($5, '') FROM done`, values: [rows.map((x) => x.id), rows.map(() => now), JSON.stringify(rows.map(() => process.env.RV ? JSON.parse(process.env.RV) : null)), W, "chan"] });
  } else if (variant === "delete") {
    r = await c.query({ name: "comp", text: `WITH done AS (DELETE FROM ${T} AS t WHERE t.id = ANY($1::text[]) AND t.locked_by = $2 RETURNING t.id) SELECT id, pg_notify($3, '') FROM done`, values: [rows.map((x) => x.id), W, "chan"] });
  }
  compCpu += cpu() - a; compMs += performance.now() - t; comps++;
  if (r.rows.length !== rows.length) throw new Error(`completed ${r.rows.length} of ${rows.length}`);
}
}
await Promise.all(clients.map((x, k) => loop(x, k)));
const allCpu = cpuAll() - all0, wallAll = performance.now() - wall0; const nodeCpu = process.cpuUsage(node0); const nodeUs = nodeCpu.user + nodeCpu.system;
for (const x of clients.slice(1)) await x.end();
await c.query("select pg_stat_force_next_flush()").catch(() => {});
for (const x of clients) await x.query("select pg_stat_force_next_flush()").catch(() => {});
await new Promise((r) => setTimeout(r, 600));
const hot = (await c.query(`select n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where relname = '${T}'`)).rows[0];
const sizes = (await c.query(`select pg_relation_size('${T}') heap, (select json_object_agg(indexrelid::regclass, pg_relation_size(indexrelid)) from pg_index where indrelid='${T}'::regclass) idx`)).rows[0];
console.log(JSON.stringify({ variant, CONC, upd: Number(hot.n_tup_upd), hotUpd: Number(hot.n_tup_hot_upd), nodeUsPerTask: +(nodeUs / n).toFixed(2), allUsPerTask: +(allCpu / n).toFixed(2), wallUsPerTask: +(wallAll * 1000 / n).toFixed(2), n, enqMs, claimUsPerTask: +(claimCpu / n).toFixed(2), compUsPerTask: +(compCpu / n).toFixed(2), claimWallUs: +(claimMs * 1000 / n).toFixed(2), compWallUs: +(compMs * 1000 / n).toFixed(2), heapMB: +(sizes.heap / 1e6).toFixed(1), idx: sizes.idx }));
await c.end();
