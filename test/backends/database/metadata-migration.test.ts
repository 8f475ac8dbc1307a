/**
 * `Migration20261129400000_metadata` on every dialect: the database itself refuses a priority outside
 * [-100, 100] (a CHECK constraint, as django-tasks-db has; a raw INSERT, not errand's validation);
 * SQLite's table rebuild keeps the rows and indexes of a table migrated by an earlier version; and
 * `check()` on SQLite with `autoMigrate` does not report the migrations the backend applies itself.
 */
import "reflect-metadata";
import test from "ava";
import { DatabaseBackend } from "../../../backends/database/index.js";
import { migrationsFor } from "../../../backends/database/migrations/index.js";
import { closeOrm, createOrm, migrate, migrationsTableName, pendingMigrations, type ErrandOrm } from "../../../backends/database/orm.js";
import { configureTasks, taskBackends } from "../../../src/index.js";
import { DATABASE_KINDS, freshDatabase, freshSqlite, type DatabaseKind, type TestDatabase } from "../../helpers/databases.js";

const METADATA = "Migration20261129400000_metadata";
const dbs: TestDatabase[] = [];
test.after.always(async () => {
  await taskBackends.close();
  for (const db of dbs) await db.drop();
});

async function withOrm<T>(kind: DatabaseKind, fn: (orm: ErrandOrm) => Promise<T>): Promise<T> {
  const db = await freshDatabase(kind);
  dbs.push(db);
  const orm = await createOrm({ url: db.url, tableName: "tasks" });
  try {
    return await fn(orm);
  } finally {
    await closeOrm(orm);
  }
}

/** A raw INSERT of a READY row with `priority`, in the dialect's own representations. */
function insertRow(kind: DatabaseKind, id: string, priority: number): [string, unknown[]] {
  const q = kind === "postgresql" ? (n: string) => `"${n}"` : (n: string) => `\`${n}\``;
  const now = kind === "postgresql" ? "now()" : kind === "sqlite" ? String(Date.now()) : "now(3)";
  const cols = ["id", "task_path", "queue_name", "backend_name", "priority", "status", "args", "errors", "worker_ids", "enqueued_at", "available_at"];
  return [
    `insert into ${q("tasks")} (${cols.map(q).join(", ")}) values (?, 'raw.t', 'default', 'default', ?, 'READY', '[]', '[]', '[]', ${now}, ${now})`,
    [id, priority],
  ];
}

for (const kind of DATABASE_KINDS) {
  test(`${kind}: the database refuses a priority outside [-100, 100] by itself`, async (t) => {
    await withOrm(kind, async (orm) => {
      t.true((await migrate(orm, "tasks")).includes(METADATA));
      for (const [i, ok] of [[100, true], [-100, true], [101, false], [-101, false], [1000, false]] as const) {
        const [sql, params] = insertRow(kind, `p${i}`, i);
        if (ok) await t.notThrowsAsync(orm.em.execute(sql, params), `priority ${i} is allowed`);
        else await t.throwsAsync(orm.em.execute(sql, params), { message: /check|constraint/i }, `priority ${i} is refused`);
      }
      const rows = await orm.em.execute<{ n: number }[]>("select count(*) as n from tasks");
      t.is(Number(rows[0]!.n), 2);
    });
  });
}

test("sqlite: the rebuild keeps the rows and the indexes of a table an earlier version migrated", async (t) => {
  await withOrm("sqlite", async (orm) => {
    // A database of the previous errand version: both earlier migrations, recorded, and a row.
    t.deepEqual(await migrate(orm, "tasks"), migrationsFor("sqlite", "tasks").map((m) => m.name));
    const book = migrationsTableName("tasks");
    for (const sql of migrationsFor("sqlite", "tasks")[2]!.down) await orm.em.execute(sql);
    await orm.em.execute(`delete from \`${book}\` where name = ?`, [METADATA]);
    const [sql, params] = insertRow("sqlite", "kept", 7);
    await orm.em.execute(sql, params);
    t.deepEqual(await pendingMigrations(orm, "tasks"), [METADATA]);
    t.deepEqual(await migrate(orm, "tasks"), [METADATA]);
    const [row] = await orm.em.execute<{ id: string; priority: number; metadata: unknown }[]>("select id, priority, metadata from tasks");
    t.deepEqual({ ...row }, { id: "kept", priority: 7, metadata: null });
    const indexes = await orm.em.execute<{ name: string }[]>("select name from sqlite_master where type = 'index' and tbl_name = 'tasks' and sql is not null order by name");
    t.deepEqual(indexes.map((r) => r.name), ["tasks_claim_idx", "tasks_finished_idx", "tasks_lease_idx", "tasks_task_path_idx"]);
  });
});

test.serial("sqlite: check() does not report the migrations autoMigrate will apply; without autoMigrate it does", async (t) => {
  const auto = freshSqlite();
  const manual = freshSqlite();
  dbs.push(auto, manual);
  configureTasks({
    auto: { BACKEND: DatabaseBackend, OPTIONS: { url: auto.url } },
    manual: { BACKEND: DatabaseBackend, OPTIONS: { url: manual.url, autoMigrate: false } },
  });
  t.deepEqual(await taskBackends.get("auto").check(), []);
  const [problem] = await taskBackends.get("manual").check();
  t.regex(problem ?? "", /\d+ errand migration\(s\) pending .*Migration20261129400000_metadata.*errand migrate/);
});
