/**
 * errand's MySQL-family migrations on the MariaDB test server (ERRAND_TEST_MARIADB_URL), through both
 * MikroORM drivers: the list and its names match the other dialects, the periodic migration adds
 * `scheduled_at` and the slot table with the columns the queries use, a database at the initial
 * migration gets only the newer one, and the periodic migration's down reverts it.
 */
import test from "ava";
import { closeOrm, createOrm, migrate, migrationsTableName, pendingMigrations, type ErrandOrm } from "../../../backends/database/orm.js";
import { migrationsFor } from "../../../backends/database/migrations/index.js";
import { freshMysql, MARIADB_URL, type TestDatabase } from "../../helpers/databases.js";

const INITIAL = "Migration20261121000000_initial";
const PERIODIC = "Migration20261129000000_periodic_slots";
const METADATA = "Migration20261129400000_metadata";
const UNIQUE = "Migration20261129410000_unique_tasks";
const TRACE_CONTEXT = "Migration20261129500000_trace_context";
const LIMITS = "Migration20261129510000_limits";
const ID_COLLATION = "Migration20261130100000_id_collation";
const ALL = [INITIAL, PERIODIC, METADATA, UNIQUE, TRACE_CONTEXT, LIMITS, ID_COLLATION];

const dbs: TestDatabase[] = [];
test.after.always(async () => {
  for (const db of dbs) await db.drop();
});

async function withOrm<T>(driver: "mysql" | "mariadb", tableName: string, fn: (orm: ErrandOrm) => Promise<T>): Promise<T> {
  const db = await freshMysql(driver, "errand_mig");
  dbs.push(db);
  const orm = await createOrm({ url: db.url, tableName });
  try {
    return await fn(orm);
  } finally {
    await closeOrm(orm);
  }
}

/** `name type nullable` of each column of `table`, in order (`datetime(3) null`, `varchar(255) not null`). */
async function columns(orm: ErrandOrm, table: string): Promise<string[]> {
  const rows = await orm.em.execute<{ name: string; type: string; nullable: string }[]>(
    "select column_name as name, column_type as type, is_nullable as nullable from information_schema.columns where table_schema = database() and table_name = ? order by ordinal_position",
    [table],
  );
  return rows.map((r) => `${r.name} ${r.type} ${r.nullable === "YES" ? "null" : "not null"}`);
}

async function primaryKey(orm: ErrandOrm, table: string): Promise<string[]> {
  const rows = await orm.em.execute<{ name: string }[]>(
    "select column_name as name from information_schema.key_column_usage where table_schema = database() and table_name = ? and constraint_name = 'PRIMARY' order by ordinal_position",
    [table],
  );
  return rows.map((r) => r.name);
}

const SLOT_COLUMNS = [
  "key varchar(255) not null",
  "fire_time datetime(3) not null",
  "cron varchar(255) not null",
  "timezone varchar(255) not null",
  "task_id varchar(64) not null",
  "enqueued_at datetime(3) not null",
];

test("the MySQL family has the same migrations, by name, as PostgreSQL and SQLite", (t) => {
  for (const dialect of ["mysql", "postgresql", "sqlite"] as const) t.deepEqual(migrationsFor(dialect, "x").map((m) => m.name), ALL, dialect);
});

for (const driver of ["mysql", "mariadb"] as const) {
  if (!MARIADB_URL) {
    test.skip(`${driver}: migrations (set ERRAND_TEST_MARIADB_URL to run them)`, () => {});
    continue;
  }

  test(`${driver}: migrate applies every migration once: scheduled_at, the slot table, metadata, the limit table`, async (t) => {
    await withOrm(driver, "tasks", async (orm) => {
      t.deepEqual(await pendingMigrations(orm, "tasks"), ALL);
      t.deepEqual(await migrate(orm, "tasks"), ALL);
      t.deepEqual(await migrate(orm, "tasks"), []);
      t.deepEqual(await pendingMigrations(orm, "tasks"), []);
      const task = await columns(orm, "tasks");
      t.true(task.includes("scheduled_at datetime(3) null"));
      t.true(task.some((c) => /^metadata (json|longtext) null$/.test(c)), "the metadata migration's JSON column (MariaDB's JSON is longtext)");
      t.true(task.includes("trace_context text null"), "the trace-context migration's column");
      t.true(task.includes("run_after datetime(3) null"), "scheduled_at has run_after's type");
      t.deepEqual(await columns(orm, "tasks_slot"), SLOT_COLUMNS);
      t.deepEqual(await primaryKey(orm, "tasks_slot"), ["key", "fire_time"]);
      const history = await orm.em.execute<{ name: string }[]>(`select name from \`${migrationsTableName("tasks")}\` order by id`);
      t.deepEqual(history.map((r) => r.name), ALL);
    });
  });

  test(`${driver}: a database at the initial migration gets only the periodic one; its down reverts it`, async (t) => {
    await withOrm(driver, "older", async (orm) => {
      const periodic = migrationsFor("mysql", "older")[1]!;
      t.deepEqual(await migrate(orm, "older"), ALL);
      // Revert the periodic one and forget it: the database of an earlier errand version.
      for (const sql of periodic.down) await orm.em.execute(sql);
      await orm.em.execute(`delete from \`${migrationsTableName("older")}\` where name = ?`, [PERIODIC]);
      t.false((await columns(orm, "older")).some((c) => c.startsWith("scheduled_at")));
      t.deepEqual(await columns(orm, "older_slot"), []);
      t.deepEqual(await pendingMigrations(orm, "older"), [PERIODIC]);
      t.deepEqual(await migrate(orm, "older"), [PERIODIC]);
      t.deepEqual(await columns(orm, "older_slot"), SLOT_COLUMNS);
      t.true((await columns(orm, "older")).includes("scheduled_at datetime(3) null"));
    });
  });
}
