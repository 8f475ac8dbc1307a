/**
 * The quick start's configuration, read by the `errand` CLI (`--config examples/quickstart/errand.config.ts`)
 * and imported by enqueue.ts and results.ts, so that every process uses the same database.
 *
 * The database is a SQLite file next to this config (out/errand.sqlite3, whatever the working
 * directory), or whatever ERRAND_URL says, e.g. postgresql://postgres@127.0.0.1:5432/errand_quickstart.
 * A redis:// url runs the same example on Redis through BullMQ: only this config changes.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "errand";
import { BullMQBackend } from "errand/backends/bullmq";
import { DatabaseBackend } from "errand/backends/database";
import { allTasks, heartbeat } from "./tasks.js";

const sqliteFile = fileURLToPath(new URL("./out/errand.sqlite3", import.meta.url));
const url = process.env.ERRAND_URL ?? `sqlite:${sqliteFile}`;

export default defineConfig({
  TASKS: {
    default: url.startsWith("redis")
      ? { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: { url, prefix: "errand-quickstart" } }
      : { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url } },
  },
  // The tasks the worker runs: it claims exactly these names.
  tasks: allTasks,
  // Periodic tasks: every long-running worker schedules them; each slot is enqueued exactly once.
  // 6 fields = with seconds: every 2 seconds here (a real one would be e.g. "0 3 * * *" with a timezone).
  periodic: {
    heartbeat: { task: heartbeat, cron: "*/2 * * * * *" },
  },
});
