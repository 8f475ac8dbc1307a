// pg-boss with LISTEN/NOTIFY on, one fetch loop per process taking batches of `concurrency` jobs and
// fetching without delay while batches come back full: its fastest drain here (two loops of C/2 were
// ~35 % slower). Maintenance and scheduling are off in the bench processes.
import { PgBoss } from "pg-boss";

const QUEUE = "noop";
export const env = {};
/** Fetch loops per process, each with batches of concurrency / LOOPS: `concurrency` jobs in flight per process. */
const LOOPS = 1;
const boss = (url, max) =>
  new PgBoss({ connectionString: url, max, useListenNotify: true, supervise: false, schedule: false, migrate: true });

export async function open({ url }) {
  const b = boss(url, 4);
  b.on("error", (e) => console.error("pg-boss error:", e.message));
  await b.start();
  if (!(await b.getQueue(QUEUE))) await b.createQueue(QUEUE, { notify: true });
  return {
    async reset() {
      await b.deleteAllJobs(QUEUE);
    },
    async enqueueBulk(payloads) {
      await b.insert(QUEUE, payloads.map((data) => ({ data })));
    },
    async enqueueOne(data) {
      await b.send(QUEUE, data);
    },
    async remaining() {
      const [row] = (await b.getDb().executeSql("SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state < 'completed'", [QUEUE])).rows;
      return Number(row.n);
    },
    close: () => b.stop({ graceful: false, wait: true }),
  };
}

export async function prepare({ url, concurrency }, hook) {
  const b = boss(url, LOOPS + 4);
  b.on("error", (e) => console.error("pg-boss error:", e.message));
  await b.start();
  return {
    async start() {
      const batchSize = Math.max(1, Math.ceil(concurrency / LOOPS));
      await b.work(QUEUE, { batchSize, localConcurrency: LOOPS, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) hook(job.data);
      });
    },
    async stop() {
      await b.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
