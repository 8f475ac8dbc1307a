/**
 * `OPTIONS.wakeup` on SQLite and MariaDB, against a real Redis of this file's own (port 26395): a
 * worker polling only every 60 s starts a task enqueued while it sleeps (woken through Redis),
 * `waitForChange` (what `TaskResult.wait()` sleeps in) returns at the finish, an enqueue inside the
 * application's MikroORM transaction announces only after the commit (never for a rollback), and
 * with Redis stopped enqueues still succeed and workers fall back to polling.
 */
import test from "ava";
import { Redis } from "ioredis";
import { configureTasks, task, taskBackends } from "../../../src/index.js";
import { DatabaseBackend } from "../../../backends/database/index.js";
import { Worker } from "../../../src/worker/index.js";
import type { TaskStore } from "../../../src/worker/store.js";
import { freshDatabase, MARIADB_URL, type DatabaseKind, type TestDatabase } from "../../helpers/databases.js";
import { OwnRedis } from "../../helpers/own-redis.js";

const redisServer = new OwnRedis("wakeup", 26395);
const redisUrl = redisServer.start();
const KINDS: DatabaseKind[] = ["sqlite", ...(MARIADB_URL ? (["mariadb"] as const) : [])];
const dbs: TestDatabase[] = [];
let observer: Redis;

const echo = task(function wakeupEcho(label: string) {
  return label;
});
/** wakeupGated returns when `gate.open()` is called. */
const gate = { open: () => {}, closed: Promise.resolve() };
const gated = task(async function wakeupGated() {
  await gate.closed;
  return "opened";
});
function closeGate(): void {
  gate.closed = new Promise<void>((resolve) => (gate.open = resolve));
}

test.before(async () => {
  const config: Record<string, unknown> = {};
  for (const kind of KINDS) {
    const db = await freshDatabase(kind);
    dbs.push(db);
    // A table (and so a channel) per kind: backends with one table name on one Redis wake each other.
    config[kind] = { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true, wakeup: redisUrl, tableName: `errand_wakeup_${kind}` } };
  }
  configureTasks(config as never);
  observer = new Redis(redisUrl);
});

test.after.always(async () => {
  observer?.disconnect();
  await taskBackends.close();
  for (const db of dbs) await db.drop();
  redisServer.stop();
});

/** Polls `check` every 20 ms until it is true; fails after `capMs`. */
async function until(check: () => boolean | Promise<boolean>, what: string, capMs = 10_000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${capMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How many connections are subscribed to `channel` on the test Redis. */
async function subscribers(channel: string): Promise<number> {
  const reply = (await observer.pubsub("NUMSUB", channel)) as [string, number];
  return Number(reply[1]);
}

/**
 * The backend of `kind`, with what its store does for the worker recorded in order: `wake:<queue>`
 * (a wake-up `watch` delivered), `claim` (a claim began), `claimed:<n>` (it returned n tasks),
 * `stored` (outcomes were stored).
 */
function backendOf(kind: DatabaseKind): { backend: DatabaseBackend; events: string[] } {
  const backend = taskBackends.get(kind) as DatabaseBackend;
  type Recorded = Pick<TaskStore, "watch" | "claim" | "storeOutcomes"> & { events?: string[] };
  const store = backend.taskStore as unknown as Recorded;
  if (!store.events) {
    const events: string[] = [];
    const [watch, claim, storeOutcomes] = [store.watch.bind(store), store.claim.bind(store), store.storeOutcomes.bind(store)];
    store.watch = (listener) => watch((queue) => (events.push(`wake:${queue ?? ""}`), listener(queue)));
    store.claim = async (r) => {
      events.push("claim");
      const claimed = await claim(r);
      events.push(`claimed:${claimed.length}`);
      return claimed;
    };
    store.storeOutcomes = async (w, o) => {
      const receipts = await storeOutcomes(w, o);
      events.push("stored");
      return receipts;
    };
    store.events = events;
  }
  return { backend, events: store.events };
}

/**
 * Whether the worker is asleep: since the last wake-up or stored outcome (each makes it claim), a
 * claim came back empty and none is running.
 */
function idle(events: readonly string[]): boolean {
  const since = events.slice(Math.max(events.findLastIndex((e) => e === "stored" || e.startsWith("wake:")), 0));
  return since.at(-1) === "claimed:0" && since.includes("claim");
}

for (const kind of KINDS) {
  const on = <T extends { using(o: { backend: string }): T }>(t: T) => t.using({ backend: kind });

  test.serial(`${kind}: a worker polling every 60 s starts a task enqueued while it sleeps, woken through Redis`, async (t) => {
    const { backend, events } = backendOf(kind);
    t.true(backend.taskStore.capabilities.supportsNotify);
    const worker = new Worker({ backend: kind, tasks: [echo], intervalMs: 60_000 });
    const running = worker.run();
    try {
      for (const label of ["first", "second"]) {
        await until(() => idle(events), "the worker went to sleep (its next poll: in 60 s)");
        const from = events.length;
        const result = await on(echo).enqueue(label);
        // Only the wake-up explains a start within the cap.
        await until(async () => (await result.refresh(), result.status === "SUCCESSFUL"), `the woken worker ran the ${label} task`);
        t.true(events.slice(from).includes("wake:default"), "woken through Redis, with the queue name");
      }
    } finally {
      worker.stop();
      await running;
    }
  });

  test.serial(`${kind}: waitForChange (TaskResult.wait) returns at a finish, not at its 60 s timeout`, async (t) => {
    const { backend } = backendOf(kind);
    closeGate();
    const result = await on(gated).enqueue();
    const worker = new Worker({ backend: kind, tasks: [gated], intervalMs: 60_000 });
    const running = worker.run();
    try {
      const waiting = backend.waitForChange(60_000);
      let woken = false;
      void waiting.then(() => (woken = true));
      await until(async () => (await subscribers(backend.finishedChannel)) >= 1, "the waiter subscribed");
      gate.open();
      await until(() => woken, "the finish woke the waiter");
      await result.wait({ timeout: 10_000 });
      t.is(result.returnValue, "opened");
    } finally {
      worker.stop();
      await running;
    }
  });

  test.serial(`${kind}: an enqueue in the application's transaction is announced after the commit, never for a rollback`, async (t) => {
    const { backend } = backendOf(kind);
    const orm = await backend.getOrm();
    const channel = backend.notifyChannel;
    const sub = new Redis(redisUrl);
    const heard: string[] = [];
    sub.on("message", (_ch: string, message: string) => heard.push(message));
    await sub.subscribe(channel);
    try {
      // Same publishing connection, so a marker arriving proves nothing earlier is still on its way.
      const marker = async (label: string) => {
        backend.wakeup!.publish(channel, label);
        await until(() => heard.includes(label), `marker ${label} arrived`);
      };
      await orm.em.fork().transactional(async () => {
        await on(echo).using({ queueName: "inside" }).enqueue("x");
        await orm.em.transactional(async () => on(echo).using({ queueName: "nested" }).enqueue("y"));
        await marker("m1");
        t.deepEqual(heard, ["m1"], "nothing announced before the commit");
      });
      await until(() => heard.includes("inside") && heard.includes("nested"), "announced after the commit");
      await t.throwsAsync(
        orm.em.fork().transactional(async () => {
          await on(echo).using({ queueName: "rolled-back" }).enqueue("z");
          throw new Error("rollback");
        }),
      );
      await marker("m2");
      t.false(heard.includes("rolled-back"));
      await on(echo).using({ queueName: "plain" }).enqueue("w");
      await until(() => heard.includes("plain"), "an enqueue outside a transaction is announced");
    } finally {
      sub.disconnect();
    }
  });
}

test.serial("with Redis stopped, enqueues succeed and workers poll; once it is back, wake-ups resume", async (t) => {
  const kind = KINDS.at(-1)!;
  const on = <T extends { using(o: { backend: string }): T }>(x: T) => x.using({ backend: kind });
  const { backend } = backendOf(kind);
  const worker = new Worker({ backend: kind, tasks: [echo], intervalMs: 300 });
  const running = worker.run();
  try {
    await until(async () => (await subscribers(backend.notifyChannel)) >= 1, "the worker subscribed");
    observer.disconnect();
    redisServer.stop();
    const during = await on(echo).enqueue("during the outage");
    await until(async () => (await during.refresh(), during.status === "SUCCESSFUL"), "polling ran the task");
    redisServer.start();
    observer = new Redis(redisUrl);
    await until(async () => (await subscribers(backend.notifyChannel)) >= 1, "the worker subscribed again");
    const after = await on(echo).enqueue("after");
    await until(async () => (await after.refresh(), after.status === "SUCCESSFUL"), "the task after the outage ran");
    t.pass();
  } finally {
    worker.stop();
    await running;
  }
});
