// errand's benchmark against graphile-worker, pg-boss, BullMQ and a raw-pg floor (issue 6).
// Run it through `npm run bench [-- flags]` (bench/run.sh starts PostgreSQL and Redis); see --help.
import { fork } from "node:child_process";
import { readFileSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureDatabase, median, nowMs, percentile, pgQuery, pgUrl, settle, sleep } from "./lib.mjs";
import { serverCpuByKindMs, serverCpuMs } from "./cpu.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, ".out");

const HELP = `npm run bench [-- flags]
  --jobs N          jobs per drain (default 50000; --smoke 400)
  --processes P     worker processes (default 2)
  --concurrency C   tasks in flight per process (default 24)
  --rounds R        drains per system, alternating the order (default 3; --smoke 1)
  --only LIST       comma-separated: errand,lean,graphile,pgboss,bullmq,errand-bullmq,floor,floorc,sqlite,mariadb,sidequest
  --smoke           tiny sizes: checks everything works, prints the table, leaves README.md alone
  --profile         also profile errand's PostgreSQL drain (CPU profiles + pg_stat_statements)
  --drain-only      only the drains (a), (e), (h): no single enqueue, latency or RSS runs
  --growth          only the table-growth scenario: the drain of --jobs when 1k, 10k, 100k, 1M finished
                    rows are already stored (--smoke: 1k, 10k), for errand, lean, graphile, floor
                    (--only picks among them); one drain per size unless --rounds is given
  --no-build        use dist/ as it is`;

const { values: flags } = parseArgs({
  options: {
    jobs: { type: "string" }, processes: { type: "string" }, concurrency: { type: "string" }, rounds: { type: "string" },
    only: { type: "string" }, smoke: { type: "boolean" }, "drain-only": { type: "boolean" }, growth: { type: "boolean" }, profile: { type: "boolean" }, "no-build": { type: "boolean" },
    help: { type: "boolean" },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const int = (v, d) => (v === undefined ? d : Math.max(1, Number.parseInt(v, 10) || d));
const smoke = Boolean(flags.smoke);
const cfg = {
  jobs: int(flags.jobs, smoke ? 400 : 50_000),
  processes: int(flags.processes, 2),
  concurrency: int(flags.concurrency, 24),
  rounds: int(flags.rounds, smoke ? 1 : 3),
  latencySamples: smoke ? 20 : 300,
  singleEnqueues: smoke ? 50 : 2000,
  rssJobs: smoke ? 300 : 10_000,
  rssConcurrency: 100,
};

const SYSTEMS = [
  { key: "errand", label: "errand", module: "errand", db: "errand_bench" },
  { key: "lean", label: "errand, keepSuccessfulResults: false", module: "errand-lean", db: "errandlean_bench", drainOnly: true },
  { key: "graphile", label: "graphile-worker", module: "graphile", db: "graphile_bench" },
  { key: "pgboss", label: "pg-boss", module: "pgboss", db: "pgboss_bench" },
  { key: "bullmq", label: "BullMQ (Redis)", module: "bullmq", redis: true },
  { key: "errand-bullmq", label: "errand on BullMQ (Redis)", module: "errand-bullmq", redis: true },
  { key: "floor", label: "raw pg floor", module: "floor", db: "floor_bench", floor: true, batch: 500 },
  { key: "floorc", label: "raw pg, batches of C", module: "floor", db: "floor_bench", floor: true, batch: "C" },
  // The MySQL-family peer: drained on MariaDB, next to errand's MariaDB drain (rows (h)).
  { key: "sidequest", label: "Sidequest (MariaDB)", module: "sidequest", mariadb: "sidequest_bench", drainOnly: true },
];
const only = flags.only ? new Set(flags.only.split(",").map((s) => s.trim())) : null;
const wanted = (key) => !only || only.has(key);
const systems = SYSTEMS.filter((s) => wanted(s.key) && (!s.redis || process.env.BENCH_REDIS_PORT) && (!s.mariadb || process.env.BENCH_MARIADB_URL));
const sqliteOn = wanted("sqlite");
// errand on MariaDB: a drain row of its own (bench/run.sh starts the server when it can).
const mariadbOn = wanted("mariadb") && Boolean(process.env.BENCH_MARIADB_URL);
const MARIADB_DB = "errand_bench";
/** Whether system `key` runs on MariaDB (its figures go to rows (h), not to PostgreSQL's). */
const onMariadb = (key) => Boolean(SYSTEMS.find((s) => s.key === key)?.mariadb);
const errors = [];

// ------------------------------------------------------------------ worker processes
class Workers {
  /** Forks `n` worker processes of `system`, connected and idle (start-up is not measured). */
  static async start(system, config, n, env = {}) {
    const w = new Workers();
    const mod = await import(`./systems/${system.module}.mjs`);
    w.kids = Array.from({ length: n }, () =>
      fork(join(HERE, "child.mjs"), [], { env: { ...process.env, ...mod.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] }),
    );
    w.state = w.kids.map(() => ({ count: 0, first: 0, last: 0, rssMax: 0 }));
    w.latency = [];
    w.onLatency = null;
    const ready = w.kids.map(
      (kid, i) =>
        new Promise((resolve, reject) => {
          kid.on("message", (m) => {
            if (m.type === "ready") resolve();
            else if (m.type === "progress" || m.type === "stopped") Object.assign(w.state[i], m);
            else if (m.type === "latency") w.onLatency?.(m.ms);
          });
          kid.on("exit", (code) => {
            if (code === 0) return;
            w.failed = `${system.key} worker exited with code ${code}`;
            reject(new Error(w.failed));
          });
          kid.send({ type: "init", system: system.module, config });
        }),
    );
    await withTimeout(Promise.all(ready), 60_000, `${system.key} workers did not get ready`);
    return w;
  }
  go() {
    for (const kid of this.kids) kid.send({ type: "go" });
  }
  get count() { return this.state.reduce((a, s) => a + s.count, 0); }
  get first() { return Math.min(...this.state.filter((s) => s.first > 0).map((s) => s.first)); }
  get last() { return Math.max(...this.state.map((s) => s.last)); }
  get rssMax() { return Math.max(...this.state.map((s) => s.rssMax)); }
  get cpuMs() { return this.state.reduce((a, s) => a + (s.cpuMs ?? 0), 0); }
  async stop() {
    const exits = this.kids.map((kid) => new Promise((resolve) => (kid.exitCode !== null ? resolve() : kid.once("exit", resolve))));
    for (const kid of this.kids) if (kid.connected) kid.send({ type: "stop" });
    const timer = setTimeout(() => this.kids.forEach((k) => k.kill("SIGKILL")), 30_000);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

/** Waits until the workers have started `jobs` jobs and the store shows none left; returns the end time. */
async function waitDrained(w, h, jobs) {
  let seen = -1;
  let since = nowMs();
  while (w.count < jobs) {
    if (w.failed) throw new Error(w.failed);
    if (w.count !== seen) [seen, since] = [w.count, nowMs()];
    if (nowMs() - since > 60_000) throw new Error(`stalled at ${w.count}/${jobs} jobs`);
    await sleep(5);
  }
  let end = w.last;
  for (let t = nowMs(); (await h.remaining()) > 0; t = nowMs()) {
    if (nowMs() - since > 60_000) throw new Error("jobs ran but their completion was not stored");
    await sleep(2);
    end = Math.max(end, t);
  }
  return end;
}

// ------------------------------------------------------------------------ scenarios
const urlOf = (s) =>
  s.sqlite ? `sqlite:${join(OUT, "bench.sqlite3")}` : s.mariadb ? `${process.env.BENCH_MARIADB_URL}/${s.mariadb}` : s.redis ? "" : pgUrl(s.db);

/** Creates the MariaDB bench databases when missing; returns the server's version. */
async function ensureMariadb() {
  const { default: mysql } = await import("mysql2/promise");
  const u = new URL(process.env.BENCH_MARIADB_URL.replace(/^mariadb:/, "mysql:"));
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username) });
  try {
    for (const name of [MARIADB_DB, ...SYSTEMS.filter((s) => s.mariadb).map((s) => s.mariadb)]) {
      await c.query(`CREATE DATABASE IF NOT EXISTS ${name} CHARACTER SET utf8mb4`);
    }
    const [[row]] = await c.query("SELECT VERSION() AS v");
    return String(row.v).replace(/-.*$/, "");
  } finally {
    await c.end();
  }
}
const payloads = (n) => Array.from({ length: n }, (_, i) => ({ i }));

async function withStore(system, fn) {
  const mod = await import(`./systems/${system.module}.mjs`);
  const h = await mod.open({ url: urlOf(system) });
  try {
    await h.reset();
    return await fn(h);
  } finally {
    await h.close();
  }
}

/** (a)+(b): bulk-enqueue `jobs`, then drain them with P×C workers; time from the first job start to the last completion. */
async function drain(system, { jobs = cfg.jobs, processes = cfg.processes, concurrency = cfg.concurrency, env = {}, beforeGo, stored = 0 } = {}) {
  return withStore(system, async (h) => {
    // The growth scenario: finished rows already in the table (untimed).
    if (stored > 0) await h.fillFinished(stored);
    const t0 = nowMs();
    await h.enqueueBulk(payloads(jobs));
    const bulkSecs = (nowMs() - t0) / 1000;
    if (system.db) await settle(urlOf(system));
    const w = await Workers.start(system, { url: urlOf(system), concurrency, batch: system.batch }, processes, env);
    try {
      await beforeGo?.();
      const cpu0 = serverCpuMs();
      const kinds0 = process.env.BENCH_CPU_DETAIL ? serverCpuByKindMs() : undefined;
      w.go();
      const end = await waitDrained(w, h, jobs);
      const serverCpu = serverCpuMs() - cpu0;
      if (kinds0) {
        const kinds = serverCpuByKindMs();
        const per = Object.entries(kinds).map(([k, ms]) => [k, ms - (kinds0[k] ?? 0)]).filter(([, ms]) => ms !== 0);
        console.error(`bench: server CPU of ${system.key ?? system.module}'s drain by process, µs per job: ${per.map(([k, ms]) => `${k} ${((ms * 1000) / jobs).toFixed(1)}`).join(", ")}`);
      }
      await sleep(25); // one more progress report: the workers' CPU up to now
      const secs = (end - w.first) / 1000;
      return { rate: jobs / secs, secs, bulkRate: jobs / bulkSecs, rssMax: w.rssMax, serverCpuPerJob: serverCpu / jobs, workerCpuPerJob: w.cpuMs / jobs };
    } finally {
      await w.stop();
    }
  });
}

/** (c): enqueue one at a time, awaited, no workers. */
async function singleEnqueue(system) {
  return withStore(system, async (h) => {
    for (let i = 0; i < 20; i++) await h.enqueueOne({ i }); // warm-up
    const t0 = nowMs();
    for (let i = 0; i < cfg.singleEnqueues; i++) await h.enqueueOne({ i });
    return cfg.singleEnqueues / ((nowMs() - t0) / 1000);
  });
}

/** (d): idle P×C workers; one task enqueued at a time, the next after it started; enqueue call → task start. */
async function latency(system) {
  return withStore(system, async (h) => {
    const w = await Workers.start(system, { url: urlOf(system), concurrency: cfg.concurrency }, cfg.processes);
    const samples = [];
    try {
      w.go();
      await sleep(500);
      const budget = nowMs() + (smoke ? 10_000 : 30_000);
      for (let i = 0; i < cfg.latencySamples + 5 && nowMs() < budget; i++) {
        const started = new Promise((resolve) => (w.onLatency = resolve));
        await h.enqueueOne({ t: nowMs() });
        const ms = await withTimeout(started, 10_000, "an enqueued task did not start within 10 s");
        if (i >= 5) samples.push(ms); // the first five warm up connections and JIT
        await sleep(3);
      }
    } finally {
      await w.stop();
    }
    samples.sort((a, b) => a - b);
    return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), n: samples.length };
  });
}

// ------------------------------------------------------------------------------ run
const results = Object.fromEntries([...SYSTEMS.map((s) => s.key), "sqlite", "mariadb"].map((k) => [k, { drains: [] }]));

async function attempt(what, fn) {
  try {
    return await fn();
  } catch (error) {
    console.error(`bench: ${what} failed: ${error.stack ?? error}`);
    errors.push(`${what}: ${error.message ?? error}`);
    return undefined;
  }
}
const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);
const step = (msg) => console.error(`bench: ${msg}`);

const started = nowMs();
const loadBefore = os.loadavg()[0];
mkdirSync(OUT, { recursive: true });
for (const s of systems) if (s.db) await ensureDatabase(s.db);
const mariadbVersion = process.env.BENCH_MARIADB_URL && (mariadbOn || systems.some((s) => s.mariadb)) ? await attempt("MariaDB setup", ensureMariadb) : undefined;
step(`${cfg.jobs} jobs, ${cfg.processes} processes × ${cfg.concurrency}, ${cfg.rounds} round(s): ${systems.map((s) => s.key).join(", ")}${sqliteOn ? ", sqlite" : ""}${mariadbOn ? ", mariadb" : ""}`);

if (flags.growth) {
  await growth();
  process.exit(errors.length ? 1 : 0);
}

/**
 * `--growth`: how the drain of `--jobs` tasks slows down as finished rows pile up in the table: the
 * same drain with 1k, 10k, 100k and 1M rows already stored (SUCCESSFUL rows for errand, either
 * option, and the floor; permanently failed jobs for graphile-worker, which deletes what it
 * completes). Prints its own table; README.md is left alone.
 */
async function growth() {
  const sizes = smoke ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
  const rounds = flags.rounds ? cfg.rounds : 1;
  const chosen = systems.filter((s) => ["errand", "lean", "graphile", "floor"].includes(s.key));
  step(`growth: ${cfg.jobs} jobs, ${cfg.processes} processes × ${cfg.concurrency}, stored rows ${sizes.join(", ")}, ${rounds} round(s): ${chosen.map((s) => s.key).join(", ")}`);
  const res = {};
  for (const size of sizes) {
    for (let r = 0; r < rounds; r++) {
      for (const s of rotate(chosen, r)) {
        const d = await attempt(`${s.key} drain over ${size} rows`, () => drain(s, { stored: size }));
        if (!d) continue;
        ((res[s.key] ??= {})[size] ??= []).push(d);
        step(`growth ${s.key}, ${size} rows stored: ${Math.round(d.rate)} jobs/s (${d.secs.toFixed(2)} s), server CPU ${(d.serverCpuPerJob * 1000).toFixed(0)} µs/job`);
      }
    }
  }
  const at = (k, size, f) => median((res[k]?.[size] ?? []).map(f));
  const head = ["rows already stored", ...chosen.map((s) => `${s.label}, jobs/s (× of 1k)`), ...chosen.map((s) => `${s.label}, server µs/job`)];
  if (chosen.some((s) => s.key === "graphile")) head.push(...chosen.filter((s) => s.key === "errand" || s.key === "lean").map((s) => `${s.label} / graphile-worker`));
  const out = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---:" : "---:")).join("|")}|`];
  for (const size of sizes) {
    const row = [size.toLocaleString("en-US")];
    for (const s of chosen) {
      const x = at(s.key, size, (d) => d.rate);
      const base = at(s.key, sizes[0], (d) => d.rate);
      row.push(Number.isFinite(x) ? `${Math.round(x).toLocaleString("en-US")} (${(x / base).toFixed(2)}×)` : "–");
    }
    for (const s of chosen) {
      const x = at(s.key, size, (d) => d.serverCpuPerJob * 1000);
      row.push(Number.isFinite(x) ? x.toFixed(0) : "–");
    }
    if (chosen.some((s) => s.key === "graphile")) {
      for (const s of chosen.filter((s) => s.key === "errand" || s.key === "lean")) {
        const a = at(s.key, size, (d) => d.rate);
        const b = at("graphile", size, (d) => d.rate);
        row.push(Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "–");
      }
    }
    out.push(`| ${row.join(" | ")} |`);
  }
  console.log(`\nTable growth: ${cfg.jobs.toLocaleString("en-US")} no-op jobs per drain, ${cfg.processes} worker processes × concurrency ${cfg.concurrency}, median of ${rounds} drain(s) per size; load average ${os.loadavg()[0].toFixed(1)}\n\n${out.join("\n")}\n`);
}

for (let r = 0; r < cfg.rounds; r++) {
  for (const s of rotate(systems, r)) {
    const res = await attempt(`${s.key} drain`, () => drain(s));
    if (res) results[s.key].drains.push(res);
    if (res) step(`drain ${s.key}: ${Math.round(res.rate)} jobs/s (${res.secs.toFixed(2)} s), bulk enqueue ${Math.round(res.bulkRate)} jobs/s`);
  }
}
const drainOnly = Boolean(flags["drain-only"]);
// As many rounds as drains, the order rotating, and the median: one run of 2,000 enqueues (well under a
// second) swings with whatever else the machine does, and the system measured first runs colder.
for (let r = 0; r < cfg.rounds; r++) {
  for (const s of rotate(systems, cfg.rounds + r).filter((s) => s.key !== "floorc" && !s.drainOnly && !drainOnly)) {
    const rate = await attempt(`${s.key} single enqueue`, () => singleEnqueue(s));
    if (rate === undefined) continue;
    (results[s.key].singles ??= []).push(rate);
    results[s.key].single = median(results[s.key].singles);
    step(`single enqueue ${s.key}: ${Math.round(rate)} jobs/s`);
  }
}
for (const s of rotate(systems, cfg.rounds + 1).filter((s) => !s.floor && !s.drainOnly && !drainOnly)) {
  results[s.key].latency = await attempt(`${s.key} latency`, () => latency(s));
  const l = results[s.key].latency;
  if (l) step(`latency ${s.key}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms (${l.n} samples)`);
}
for (const s of rotate(systems, cfg.rounds + 2).filter((s) => !s.floor && !s.drainOnly && !drainOnly)) {
  const res = await attempt(`${s.key} RSS`, () => drain(s, { jobs: cfg.rssJobs, processes: 1, concurrency: cfg.rssConcurrency }));
  results[s.key].rss = res?.rssMax;
  if (res) step(`RSS at concurrency ${cfg.rssConcurrency} ${s.key}: ${(res.rssMax / 2 ** 20).toFixed(1)} MB`);
}
if (sqliteOn) {
  const s = { key: "sqlite", label: "errand (SQLite)", module: "errand", sqlite: true };
  for (let r = 0; r < cfg.rounds; r++) {
    rmSync(join(OUT, "bench.sqlite3"), { force: true });
    const res = await attempt("sqlite drain", () => drain(s));
    if (res) results.sqlite.drains.push(res);
    if (res) step(`drain sqlite: ${Math.round(res.rate)} jobs/s`);
  }
}
if (mariadbOn && mariadbVersion) {
  // The same drain as PostgreSQL's (a), on errand's MariaDB backend (polling: no NOTIFY, no wake-up channel).
  const s = { key: "mariadb", label: "errand (MariaDB)", module: "errand", mariadb: MARIADB_DB };
  for (let r = 0; r < cfg.rounds; r++) {
    const res = await attempt("mariadb drain", () => drain(s));
    if (res) results.mariadb.drains.push(res);
    if (res) step(`drain mariadb: ${Math.round(res.rate)} jobs/s (${res.secs.toFixed(2)} s), bulk enqueue ${Math.round(res.bulkRate)} jobs/s`);
  }
}
if (flags.profile && wanted("errand")) {
  const { profileErrand } = await import("./profile.mjs");
  const peers = systems.filter((s) => s.db && s.key !== "errand" && s.key !== "lean");
  await attempt("profile", () => profileErrand({ drain, system: SYSTEMS[0], peers, cfg, out: OUT }));
}

// ---------------------------------------------------------------------------- table
const med = (key, f) => median(results[key].drains.map(f));
// A MariaDB system's drains fill rows (h) only; its server CPU is not measured (serverCpuMs: PostgreSQL, Redis).
const pgMed = (k, f) => (onMariadb(k) ? undefined : med(k, f));
const value = {
  drain: (k) => pgMed(k, (d) => d.rate),
  bulk: (k) => pgMed(k, (d) => d.bulkRate),
  single: (k) => results[k].single,
  p50: (k) => results[k].latency?.p50,
  p95: (k) => results[k].latency?.p95,
  p99: (k) => results[k].latency?.p99,
  sqlite: (k) => (k === "errand" ? med("sqlite", (d) => d.rate) : undefined),
  mariadb: (k) => (k === "errand" ? med("mariadb", (d) => d.rate) : onMariadb(k) ? med(k, (d) => d.rate) : undefined),
  mariadbBulk: (k) => (k === "errand" ? med("mariadb", (d) => d.bulkRate) : onMariadb(k) ? med(k, (d) => d.bulkRate) : undefined),
  mariadbWcpu: (k) => (k === "errand" ? med("mariadb", (d) => d.workerCpuPerJob * 1000) : onMariadb(k) ? med(k, (d) => d.workerCpuPerJob * 1000) : undefined),
  rss: (k) => (results[k].rss === undefined ? undefined : results[k].rss / 2 ** 20),
  cpu: (k) => pgMed(k, (d) => d.serverCpuPerJob * 1000),
  wcpu: (k) => pgMed(k, (d) => d.workerCpuPerJob * 1000),
};
const rate = (x) => Math.round(x).toLocaleString("en-US");
const ROWS = [
  ["(a) drain, jobs/s", "drain", rate],
  ["(b) bulk enqueue, jobs/s", "bulk", rate],
  ["(c) single enqueue, jobs/s", "single", rate],
  ["(d) latency p50, ms ↓", "p50", (x) => x.toFixed(2)],
  ["(d) latency p95, ms ↓", "p95", (x) => x.toFixed(2)],
  ["(d) latency p99, ms ↓", "p99", (x) => x.toFixed(2)],
  ["(e) SQLite drain, jobs/s", "sqlite", rate],
  ["(h) MariaDB drain, jobs/s", "mariadb", rate],
  ["(h) MariaDB bulk enqueue, jobs/s", "mariadbBulk", rate],
  ["(h) MariaDB worker CPU per 1k drained jobs, ms ↓", "mariadbWcpu", (x) => rate(x)],
  [`(f) worker peak RSS at concurrency ${cfg.rssConcurrency}, MB ↓`, "rss", (x) => x.toFixed(1)],
  ["(a) worker CPU per 1k drained jobs, ms ↓", "wcpu", (x) => rate(x)],
  ["(a) server CPU per 1k drained jobs, ms ↓", "cpu", (x) => rate(x)],
];
const shown = SYSTEMS.filter((s) => systems.includes(s) || (s.key === "errand" && (sqliteOn || mariadbOn)));
// errand's own columns (on PostgreSQL with either option, on BullMQ) are not peers of errand.
const peers = shown.filter((s) => s.key !== "errand" && s.key !== "lean" && s.key !== "errand-bullmq");
const ok = (x) => typeof x === "number" && Number.isFinite(x);
const cell = (x, fmt) => (ok(x) ? fmt(x) : "–");
const ratio = (a, b) => (ok(a) && ok(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "–");
const header = ["scenario", ...shown.map((s) => s.label), ...peers.map((s) => `errand / ${s.label}`)];
const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
for (const [label, key, fmt] of ROWS) {
  const e = value[key]("errand");
  lines.push(`| ${[label, ...shown.map((s) => cell(value[key](s.key), fmt)), ...peers.map((s) => ratio(e, value[key](s.key)))].join(" | ")} |`);
}
// errand on BullMQ against plain BullMQ on the same Redis: errand's overhead on top of BullMQ.
const onBull = ["drain", "bulk", "single", "p50", "p99"].map((key) => `${key} ${ratio(value[key]("errand-bullmq"), value[key]("bullmq"))}`);
const table = `${lines.join("\n")}\n\nerrand on BullMQ / plain BullMQ (same Redis; latency: lower is better): ${onBull.join(", ")}`;

const v = (k, key) => value[key](k);
const verdict = (a, b, test) => (!ok(a) || !ok(b) ? "n/a" : test(a, b) ? "met" : "**not met**");
const times = (a, b) => (ok(a) && ok(b) && b > 0 ? ` (${(a / b).toFixed(2)}×)` : "");
const goal = (text, a, b, test) => `- ${verdict(a, b, test)}: ${text}${times(a, b)}`;
/** A drain goal: errand's defaults, then (when it ran) errand with keepSuccessfulResults: false. */
const drainGoal = (text, peer, test) => {
  const [a, b, lean] = [v("errand", "drain"), typeof peer === "number" ? peer : v(peer, "drain"), v("lean", "drain")];
  const withLean = ok(lean) ? `; keepSuccessfulResults: false: ${verdict(lean, b, test)}${times(lean, b)}` : "";
  return `${goal(text, a, b, test)}${withLean}`;
};
const goals = [
  drainGoal("drain ≥ 1.2 × graphile-worker", "graphile", (a, b) => a >= 1.2 * b),
  drainGoal("drain ≥ 5 × pg-boss", "pgboss", (a, b) => a >= 5 * b),
  drainGoal("drain ≥ 1 × BullMQ on Redis", "bullmq", (a, b) => a >= b),
  drainGoal("drain ≥ 50 % of the raw floor", "floor", (a, b) => a >= 0.5 * b),
  goal("latency p50 ≤ graphile-worker's", v("errand", "p50"), v("graphile", "p50"), (a, b) => a <= b),
  goal("latency p99 ≤ graphile-worker's", v("errand", "p99"), v("graphile", "p99"), (a, b) => a <= b),
  goal("bulk enqueue ≥ graphile-worker's addJobs", v("errand", "bulk"), v("graphile", "bulk"), (a, b) => a >= b),
  goal("SQLite drain ≥ 5,000 tasks/s", v("errand", "sqlite"), 5000, (a, b) => a >= b),
  goal("worker RSS ≤ 150 MB at concurrency 100", v("errand", "rss"), 150, (a, b) => a <= b),
  goal("errand on BullMQ: drain ≥ 0.8 × plain BullMQ (issue 15)", v("errand-bullmq", "drain"), v("bullmq", "drain"), (a, b) => a >= 0.8 * b),
].join("\n");
const leanV = v("lean", "drain");
const goals19 = [
  goal("drain with defaults ≥ 1.0 × graphile-worker", v("errand", "drain"), v("graphile", "drain"), (a, b) => a >= b),
  goal("keepSuccessfulResults: false: drain ≥ 1.3 × graphile-worker", leanV, v("graphile", "drain"), (a, b) => a >= 1.3 * b),
  goal("server CPU per job with defaults ≤ graphile-worker's", v("errand", "cpu"), v("graphile", "cpu"), (a, b) => a <= b),
  goal("bulk enqueue ≥ 1.1 × graphile-worker's addJobs", v("errand", "bulk"), v("graphile", "bulk"), (a, b) => a >= 1.1 * b),
].join("\n");

const pkg = (name) => JSON.parse(readFileSync(join(HERE, "..", "node_modules", name, "package.json"), "utf8")).version;
const pgVersion = (await pgQuery(pgUrl("postgres"), "SHOW server_version"))[0].server_version;
const machine = [
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  `PostgreSQL ${pgVersion}`,
  process.env.BENCH_REDIS_PORT ? `Redis ${process.env.BENCH_REDIS_VERSION ?? ""}`.trim() : "no Redis",
  mariadbVersion ? `MariaDB ${mariadbVersion}` : "no MariaDB",
  `Node ${process.version}`,
  `load average ${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`,
  `graphile-worker ${pkg("graphile-worker")}, pg-boss ${pkg("pg-boss")}, BullMQ ${pkg("bullmq")}, Sidequest ${pkg("sidequest")}, MikroORM ${pkg("@mikro-orm/core")}`,
].join(" · ");
const params = `${cfg.jobs.toLocaleString("en-US")} no-op jobs per drain, ${cfg.processes} worker processes × concurrency ${cfg.concurrency}, median of ${cfg.rounds} drain(s); median of ${cfg.rounds} × ${cfg.singleEnqueues} single enqueues; latency: ${cfg.latencySamples} samples`;
const report = `${machine}\n\n${params}\n\n${table}\n\nGoals (issues 6 and 15):\n${goals}\n\nGoals of issue 19 (latency, SQLite and RSS: as above):\n${goals19}\n`;

console.log(`\n${report}`);
if (errors.length) console.log(`Failed runs:\n${errors.map((e) => `- ${e}`).join("\n")}\n`);
step(`done in ${((nowMs() - started) / 1000).toFixed(0)} s`);

if (!smoke && !only && !drainOnly && errors.length === 0) {
  const readme = join(HERE, "README.md");
  const text = readFileSync(readme, "utf8");
  const [head, rest] = text.split("<!-- results -->");
  const tail = rest?.split("<!-- /results -->")[1];
  if (tail === undefined) throw new Error("bench/README.md has no <!-- results --> … <!-- /results --> block");
  writeFileSync(readme, `${head}<!-- results -->\n${report}<!-- /results -->${tail}`);
  step("wrote the table into bench/README.md");
}
process.exit(errors.length ? 1 : 0);
