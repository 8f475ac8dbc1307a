// `npm run bench -- --profile`: one more errand drain on PostgreSQL with CPU profiles of the worker
// processes (go → stop) and pg_stat_statements on, then a summary of where the time per task goes.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pgQuery, pgUrl } from "./lib.mjs";

/** Self time of a V8 CPU profile, in ms, by node: [{ name, where, category, ms }], plus inclusive ms by function name. */
function readProfile(file) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const interval = (p.endTime - p.startTime) / 1000 / Math.max(1, p.samples.length);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = p.nodes.map((n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    return { name: functionName || "(anonymous)", where: `${shortUrl(url)}:${lineNumber + 1}`, category: category(n.callFrame), ms: n.hitCount * interval };
  });
  const inclusive = new Map();
  const walk = (id, stack) => {
    const n = byId.get(id);
    const name = n.callFrame.functionName;
    let total = n.hitCount * interval;
    const seen = stack.has(name);
    if (!seen) stack.add(name);
    for (const c of n.children ?? []) total += walk(c, stack);
    if (!seen) {
      stack.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + total);
    }
    return total;
  };
  walk(p.nodes[0].id, new Set());
  return { self, inclusive, wallMs: (p.endTime - p.startTime) / 1000 };
}

const shortUrl = (url) => url.replace(/^file:\/\/.*?\/node_modules\//, "").replace(/^file:\/\/.*?\/(dist|bench)\//, "$1/");
function category({ functionName, url }) {
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "V8/native (program)";
  if (/\/dist\/(src|backends)\//.test(url)) return "errand";
  if (url.includes("/@mikro-orm/")) return "MikroORM";
  if (/\/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//.test(url)) return "pg driver";
  if (/\/node_modules\/(pino|sonic-boom|thread-stream)/.test(url)) return "pino";
  if (url.includes("/node_modules/")) return "other dependencies";
  if (url.includes("/bench/")) return "bench harness";
  return "node core";
}

const ms = (x) => x.toFixed(x < 10 ? 2 : 0);

/** One drain of `system` with pg_stat_statements on (and `env` for its workers); its top statements. */
async function drainWithStatements(system, drain, env = {}) {
  const url = pgUrl(system.db);
  await pgQuery(url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await pgQuery(url, `ALTER DATABASE ${system.db} SET pg_stat_statements.track = 'top'`);
  try {
    const res = await drain(system, { env, beforeGo: () => pgQuery(url, "SELECT pg_stat_statements_reset()") });
    const stmts = await pgQuery(
      url,
      `SELECT calls, total_exec_time AS total, mean_exec_time AS mean, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
         AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE 'SELECT count(*)%' ORDER BY total_exec_time DESC LIMIT 8`,
      [system.db],
    );
    return { res, stmts: stmts.map((x) => ({ ...x, calls: Number(x.calls), rows: Number(x.rows) })) };
  } finally {
    await pgQuery(url, `ALTER DATABASE ${system.db} RESET pg_stat_statements.track`);
  }
}

export async function profileErrand({ drain, system, peers, cfg, out }) {
  const dir = join(out, "prof");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { res, stmts } = await drainWithStatements(system, drain, { BENCH_CPU_PROF: dir });
  const n = cfg.jobs;
  const lines = [`\n## Profile of errand's drain (${n} jobs, ${cfg.processes} × ${cfg.concurrency}; profiling on, so slower)\n`];
  lines.push(`drain: ${Math.round(res.rate)} jobs/s over ${res.secs.toFixed(2)} s; per job: worker CPU ${ms(res.workerCpuPerJob * 1000)} µs, server CPU ${ms(res.serverCpuPerJob * 1000)} µs`);
  lines.push(`(2 cores give ${Math.round((2 * 1e6) / ((res.workerCpuPerJob + res.serverCpuPerJob) * 1000))} jobs/s if CPU-bound at that cost)\n`);

  lines.push("PostgreSQL statements (pg_stat_statements, server execution time):\n");
  lines.push("| calls | per job | total ms | mean ms | rows | statement |\n|---:|---:|---:|---:|---:|---|");
  for (const s of stmts) {
    lines.push(`| ${s.calls} | ${(s.calls / n).toFixed(3)} | ${ms(s.total)} | ${s.mean.toFixed(3)} | ${s.rows} | \`${s.query.slice(0, 140)}${s.query.length > 140 ? "…" : ""}\` |`);
  }
  const execTotal = stmts.reduce((a, s) => a + s.total, 0);
  lines.push(`\nserver execution time per job: ${ms((execTotal / n) * 1000)} µs (statements above)\n`);

  const profiles = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => readProfile(join(dir, f)));
  const cats = new Map();
  const fns = new Map();
  const incl = new Map();
  for (const p of profiles) {
    for (const s of p.self) {
      cats.set(s.category, (cats.get(s.category) ?? 0) + s.ms);
      if (s.category !== "idle") {
        const key = `${s.name} (${s.where})`;
        fns.set(key, { ms: (fns.get(key)?.ms ?? 0) + s.ms, category: s.category });
      }
    }
    for (const [name, t] of p.inclusive) incl.set(name, (incl.get(name) ?? 0) + t);
  }
  const wall = profiles.reduce((a, p) => a + p.wallMs, 0);
  lines.push(`Worker processes' CPU profiles (${profiles.length} processes, ${ms(wall)} ms of wall time in all), self time by category:\n`);
  lines.push("| category | ms | µs per job | share of wall |\n|---|---:|---:|---:|");
  for (const [c, t] of [...cats].sort((a, b) => b[1] - a[1])) {
    lines.push(`| ${c} | ${ms(t)} | ${ms((t / n) * 1000)} | ${((100 * t) / wall).toFixed(1)} % |`);
  }
  lines.push("\nTop functions by self time:\n\n| function | category | ms | µs per job |\n|---|---|---:|---:|");
  for (const [k, v] of [...fns].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
    lines.push(`| \`${k}\` | ${v.category} | ${ms(v.ms)} | ${ms((v.ms / n) * 1000)} |`);
  }
  const watched = ["claimTasks", "executeClaimed", "completeTask", "invokeTask", "resultFromRow", "rowToResult", "sendStarted", "sendFinished", "execute", "executeQuery", "runQuery", "sortClaimed", "withDatabaseRetry"];
  lines.push("\nInclusive synchronous time of errand's steps (async waits not included):\n\n| function | ms | µs per job |\n|---|---:|---:|");
  for (const name of watched) if (incl.has(name)) lines.push(`| \`${name}\` | ${ms(incl.get(name))} | ${ms((incl.get(name) / n) * 1000)} |`);

  lines.push("\nThe same drain of the PostgreSQL peers, for comparison (no CPU profile):\n");
  lines.push("| system | drain jobs/s | statements per 1k jobs | server execution µs per job | worker CPU µs per job | server CPU µs per job |\n|---|---:|---:|---:|---:|---:|");
  const row = (label, r, st) =>
    `| ${label} | ${Math.round(r.rate)} | ${Math.round((st.reduce((a, x) => a + x.calls, 0) / n) * 1000)} | ${ms((st.reduce((a, x) => a + x.total, 0) / n) * 1000)} | ${ms(r.workerCpuPerJob * 1000)} | ${ms(r.serverCpuPerJob * 1000)} |`;
  lines.push(row("errand (profiled)", res, stmts));
  for (const peer of peers) {
    const p = await drainWithStatements(peer, drain);
    lines.push(row(peer.label, p.res, p.stmts));
  }
  console.log(lines.join("\n"));
}
