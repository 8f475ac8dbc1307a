// A bench worker process: `init` (connect, untimed) → `ready`; `go` → starts the system's worker;
// reports progress (jobs seen, first and last job start times, peak RSS, CPU used since `go`) every 10 ms and each
// latency sample at once; `stop` → stops the worker gracefully and exits.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { nowMs } from "./lib.mjs";

/** With BENCH_CPU_PROF=<dir>: a V8 CPU profile of exactly go → stop, written to <dir>/<pid>.cpuprofile. */
const profileDir = process.env.BENCH_CPU_PROF;
const session = profileDir ? new Session() : undefined;

let count = 0;
let first = 0;
let last = 0;
let rssMax = 0;
let worker;
let cpu0;
let cpuMs = 0;

function onJob(payload) {
  const t = nowMs();
  count++;
  if (first === 0) first = t;
  last = t;
  if (payload && typeof payload.t === "number") process.send({ type: "latency", ms: t - payload.t });
}

function report() {
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
  if (cpu0) cpuMs = cpuTotal(process.cpuUsage(cpu0)) / 1000;
  process.send({ type: "progress", count, first, last, rssMax, cpuMs });
}
const timer = setInterval(report, 10);
const cpuTotal = (u) => u.user + u.system;

process.on("message", async (m) => {
  try {
    if (m.type === "init") {
      const system = await import(`./systems/${m.system}.mjs`);
      worker = await system.prepare(m.config, onJob);
      process.send({ type: "ready" });
    } else if (m.type === "go") {
      if (session) {
        session.connect();
        await session.post("Profiler.enable");
        await session.post("Profiler.setSamplingInterval", { interval: 200 });
        await session.post("Profiler.start");
      }
      cpu0 = process.cpuUsage();
      await worker.start();
    } else if (m.type === "stop") {
      if (session) {
        const { profile } = await session.post("Profiler.stop");
        writeFileSync(join(profileDir, `${process.pid}.cpuprofile`), JSON.stringify(profile));
      }
      await worker.stop();
      clearInterval(timer);
      report();
      process.send({ type: "stopped", rssMax, cpuMs }, () => process.exit(0));
    }
  } catch (error) {
    console.error(`bench worker (${m.type}):`, error);
    process.exit(1);
  }
});
