// Sidequest (https://sidequestjs.com) on MariaDB through @sidequest/mysql-backend: the MySQL-family peer
// of errand's MariaDB drain row. Jobs run in the worker process itself (`fork: false`, `runner: "inline"`,
// so the bench sees each start), one queue of concurrency C per process; the dashboard, stale-job release
// and cleanup are off. Sidequest has no bulk enqueue: the bench's bulk enqueue is batches of 50
// concurrent `enqueue` calls.
import mysql from "mysql2/promise";
import { Job, Sidequest } from "sidequest";

const QUEUE = "noop";
let onJob = () => {};
export const env = {};

/** The no-op job: one small JSON argument, like every other system's payload. */
export class BenchNoopJob extends Job {
  async run(payload) {
    onJob(payload);
  }
}

const driverUrl = (url) => url.replace(/^mariadb:/, "mysql:");
const backend = (url) => ({ driver: "@sidequest/mysql-backend", config: driverUrl(url) });
const quiet = { level: "error" };

export async function open({ url }) {
  await Sidequest.configure({ backend: backend(url), logger: quiet, queues: [{ name: QUEUE }] });
  const c = await mysql.createConnection(driverUrl(url));
  // The queue's row exists before any worker starts: Sidequest's start creates a missing queue by a
  // read then an insert, so two worker processes starting at once could both insert it, and the
  // second failed on the unique name (seen in CI). Each start then only updates its concurrency.
  await c.query("INSERT IGNORE INTO sidequest_queues (name, concurrency, priority, state) VALUES (?, 1, 0, 'active')", [QUEUE]);
  return {
    async reset() {
      await c.query("DELETE FROM sidequest_jobs");
    },
    async enqueueBulk(payloads) {
      for (let i = 0; i < payloads.length; i += 50) {
        await Promise.all(payloads.slice(i, i + 50).map((p) => Sidequest.build(BenchNoopJob).queue(QUEUE).enqueue(p)));
      }
    },
    async enqueueOne(payload) {
      await Sidequest.build(BenchNoopJob).queue(QUEUE).enqueue(payload);
    },
    async remaining() {
      const [[row]] = await c.query("SELECT count(*) AS n FROM sidequest_jobs WHERE queue = ? AND state <> 'completed'", [QUEUE]);
      return Number(row.n);
    },
    async close() {
      await c.end();
      await Sidequest.stop();
    },
  };
}

export async function prepare({ url, concurrency }, hook) {
  onJob = hook;
  return {
    async start() {
      await Sidequest.start({
        backend: backend(url),
        logger: quiet,
        queues: [{ name: QUEUE, concurrency }],
        maxConcurrentJobs: concurrency,
        fork: false,
        runner: "inline",
        skipMigration: true,
        releaseStaleJobsIntervalMin: false,
        cleanupFinishedJobsIntervalMin: false,
        dashboard: { enabled: false },
      });
    },
    async stop() {
      await Sidequest.stop();
    },
  };
}
