// CPU time used so far by the bench's own servers: its PostgreSQL postmaster and that postmaster's
// children (backends, background workers), and its Redis. Read from /proc before and after a drain;
// other servers on the machine are not counted. 0 where /proc is not readable.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

function pidFrom(file) {
  try {
    return readFileSync(file, "utf8").split("\n", 1)[0].trim();
  } catch {
    return "";
  }
}

/**
 * The same CPU time split by process kind, from the process title ("postgres: autovacuum worker",
 * "postgres: walwriter", a backend's "postgres: <user> <database> …" as "backend <database>"), for
 * `BENCH_CPU_DETAIL=1`. Processes that end between two readings are missing from the later one.
 */
export function serverCpuByKindMs() {
  const postmaster = pidFrom(`${process.env.BENCH_PG_DATA}/postmaster.pid`);
  const out = {};
  let pids = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (pid !== postmaster && fields[1] !== postmaster) continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      const m = /^postgres: (\S+) (\S+) \d+\.\d+\.\d+\.\d+/.exec(title);
      const kind = pid === postmaster ? "postmaster" : m ? `backend ${m[2]}` : title.replace(/^postgres: /, "").replace(/\s+\S*$/, "") || title;
      out[kind] = (out[kind] ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      // the process exited meanwhile
    }
  }
  return out;
}

export function serverCpuMs() {
  const postmaster = pidFrom(`${process.env.BENCH_PG_DATA}/postmaster.pid`);
  const redis = process.env.BENCH_REDIS_PID ?? "";
  let ticks = 0;
  let pids = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is field 3 (state)
      const ppid = fields[1];
      if (pid !== redis && pid !== postmaster && ppid !== postmaster) continue;
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process exited meanwhile
    }
  }
  return ticks * TICK_MS;
}
