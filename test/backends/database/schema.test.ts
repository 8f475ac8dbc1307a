/**
 * The database backend's schema: migrations, entity and raw-SQL representations agree, on SQLite
 * always and on PostgreSQL when ERRAND_TEST_PG_URL is set (a scratch database is created per run).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import pg from "pg";
import { createTaskResultEntity, DBTaskResult, type DBTaskResultRow } from "../../../backends/database/entity.js";
import { dialectOf, postgresqlDialect, sqliteDialect } from "../../../backends/database/dialect.js";
import {
  closeOrm,
  createOrm,
  migrate,
  migrationsTableName,
  parseDatabaseUrl,
  pendingMigrations,
  type ErrandOrm,
} from "../../../backends/database/orm.js";

const INITIAL = "Migration20261121000000_initial";
const PERIODIC = "Migration20261129000000_periodic_slots";
const LIMITS = "Migration20261129510000_limits";
/** Every migration, oldest first. */
const METADATA = "Migration20261129400000_metadata";
const UNIQUE = "Migration20261129410000_unique_tasks";
const TRACE_CONTEXT = "Migration20261129500000_trace_context";
const ID_COLLATION = "Migration20261130100000_id_collation";
const ALL = [INITIAL, PERIODIC, METADATA, UNIQUE, TRACE_CONTEXT, LIMITS, ID_COLLATION];
const PG_URL = process.env.ERRAND_TEST_PG_URL;

const tmp = mkdtempSync(join(tmpdir(), "errand-schema-"));
let pgScratchUrl: string | undefined;
let pgScratchDb: string | undefined;

test.before(async () => {
  if (!PG_URL) return;
  // A fresh database per run keeps the test repeatable and independent of leftovers.
  pgScratchDb = `errand_schema_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${pgScratchDb}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${pgScratchDb}`;
  pgScratchUrl = url.toString();
});

test.after.always(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (!PG_URL || !pgScratchDb) return;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${pgScratchDb}" with (force)`);
  } finally {
    await admin.end();
  }
});

interface Target {
  name: "sqlite" | "postgresql";
  /** A database url of its own for each call, so tests can run concurrently. */
  url(label: string): string;
}

const targets: Target[] = [{ name: "sqlite", url: (label) => `sqlite:${join(tmp, label, "errand.sqlite3")}` }];
if (PG_URL) {
  // One scratch database; tests that share it use different table names.
  targets.push({ name: "postgresql", url: () => pgScratchUrl! });
}

async function withOrm<T>(url: string, tableName: string | undefined, fn: (orm: ErrandOrm) => Promise<T>): Promise<T> {
  const orm = await createOrm(tableName === undefined ? { url } : { url, tableName });
  try {
    return await fn(orm);
  } finally {
    await closeOrm(orm);
  }
}

/**
 * The SQL that would bring the database in line with the entity; "" when they agree. Other tables
 * in the database (other tests' tables) are not ours to drop, hence `dropTables: false`.
 */
async function schemaDiff(orm: ErrandOrm): Promise<string> {
  return (await orm.schema.getUpdateSchemaSQL({ wrap: false, dropTables: false })).trim();
}

async function indexSql(orm: ErrandOrm, indexName: string): Promise<string> {
  const rows =
    dialectOf(orm).name === "sqlite"
      ? await orm.em.execute<{ sql: string }[]>("select sql from sqlite_master where type = 'index' and name = ?", [indexName])
      : await orm.em.execute<{ sql: string }[]>("select indexdef as sql from pg_indexes where indexname = ?", [indexName]);
  return rows[0]?.sql ?? "";
}

for (const target of targets) {
  const t = target.name;
  // PostgreSQL's tests share one scratch database, and a schema diff reads every table's indexes: one
  // test dropping an index while another's diff reads it made pg_get_indexdef return NULL inside
  // MikroORM (a CI flake). So they run one at a time.
  const it = t === "postgresql" ? test.serial : test;

  it(`${t}: migrate applies the initial migration once, and the entity matches the migrated schema`, async (tt) => {
    // The default table on PostgreSQL lives alone in the scratch database; other tests use custom names.
    await withOrm(target.url("default"), undefined, async (orm) => {
      tt.deepEqual(await pendingMigrations(orm), ALL);
      tt.deepEqual(await migrate(orm), ALL);
      tt.deepEqual(await migrate(orm), []);
      tt.deepEqual(await pendingMigrations(orm), []);
      // Same idea as django-tasks-db's "no missing migrations" CI check.
      tt.is(await schemaDiff(orm), "");
      // The claim index is declared as a raw expression (compared by name only): check it here.
      const claim = (await indexSql(orm, "errand_task_result_claim_idx")).toLowerCase().replace(/["`]/g, "");
      tt.regex(claim, /\(priority desc, available_at, enqueued_at\)/);
      tt.regex(claim, /where .*status.*ready/);
      if (t === "postgresql") {
        // Issue 19: a bytewise primary key (the schema diff ignores the column's collation).
        const [column] = await orm.em.execute<{ collation_name: string | null }[]>(
          "select collation_name from information_schema.columns where table_name = 'errand_task_result' and column_name = 'id'",
        );
        tt.is(column?.collation_name, "C");
      }
      const history = await orm.em.execute<{ name: string }[]>(`select name from errand_migrations`);
      tt.deepEqual(
        history.map((r) => r.name),
        ALL,
      );
    });
    // A new process sees the applied migration.
    await withOrm(target.url("default"), undefined, async (orm) => {
      tt.deepEqual(await migrate(orm), []);
    });
  });

  it(`${t}: the schema check notices drift`, async (tt) => {
    const tableName = `drift_${t}`;
    await withOrm(target.url("drift"), tableName, async (orm) => {
      await migrate(orm);
      tt.is(await schemaDiff(orm), "");
      await orm.em.execute(`drop index ${dialectOf(orm).quoteIdent(`${tableName}_lease_idx`)}`);
      tt.regex(await schemaDiff(orm), new RegExp(`${tableName}_lease_idx`));
    });
  });

  it(`${t}: a row written through the entity reads back through raw SQL`, async (tt) => {
    const tableName = `roundtrip_${t}`;
    await withOrm(target.url("roundtrip"), tableName, async (orm) => {
      await migrate(orm);
      const dialect = dialectOf(orm);
      tt.is(dialect.name, t);
      const entity = createTaskResultEntity(tableName);
      const enqueuedAt = new Date("2026-11-21T10:00:00.123Z");
      const availableAt = new Date("2026-11-21T10:05:00.456Z");
      const em = orm.em.fork();
      em.create(entity, {
        id: "3f1c1a9e-0000-4000-8000-000000000001",
        taskPath: "app.tasks.send_email",
        queueName: "default",
        backendName: "default",
        status: "READY",
        args: [1, "two", { three: [3] }],
        returnValue: null,
        enqueuedAt,
        availableAt,
      });
      await em.flush();

      const q = dialect.quoteIdent;
      const rows = await orm.em.execute<Record<string, unknown>[]>(
        `select * from ${q(tableName)} where ${q("available_at")} <= ? order by ${q("available_at")}`,
        [dialect.toDb(new Date("2026-11-21T10:05:00.456Z"))],
      );
      tt.is(rows.length, 1);
      const row = rows[0]!;
      tt.deepEqual(dialect.fromDb(row.enqueued_at), enqueuedAt);
      tt.deepEqual(dialect.fromDb(row.available_at), availableAt);
      tt.is(dialect.fromDb(row.run_after), null);
      if (t === "sqlite") {
        // MikroORM 7 stores a Date on SQLite as INTEGER epoch milliseconds.
        tt.is(row.enqueued_at, enqueuedAt.getTime());
      } else {
        tt.is(typeof row.enqueued_at, "string");
      }
      tt.deepEqual(dialect.jsonFromDb(row.args), [1, "two", { three: [3] }]);
      tt.is(dialect.jsonFromDb(row.return_value), null);
      tt.deepEqual(dialect.jsonFromDb(row.errors), []);
      tt.deepEqual(dialect.jsonFromDb(row.worker_ids), []);
      tt.is(row.priority, 0);
      tt.is(row.attempts, 0);
      tt.is(row.max_attempts, 1);
      tt.is(row.locked_by, null);

      // Not yet due: strictly before available_at by one millisecond.
      const early = await orm.em.execute(`select id from ${q(tableName)} where ${q("available_at")} <= ?`, [
        dialect.toDb(new Date(availableAt.getTime() - 1)),
      ]);
      tt.is(early.length, 0);

      // Raw writes with the dialect's representations read back through the entity.
      await orm.em.execute(
        `update ${q(tableName)} set ${q("status")} = 'RUNNING', ${q("lease_expires_at")} = ?, ${q("worker_ids")} = ?, ${q("return_value")} = ?`,
        [dialect.toDb(new Date("2026-11-21T11:00:00.789Z")), dialect.jsonToDb(["w1"]), dialect.jsonToDb("42")],
      );
      const loaded: DBTaskResultRow = await orm.em.fork().findOneOrFail(entity, { id: "3f1c1a9e-0000-4000-8000-000000000001" });
      tt.is(loaded.status, "RUNNING");
      tt.deepEqual(loaded.leaseExpiresAt, new Date("2026-11-21T11:00:00.789Z"));
      tt.deepEqual(loaded.workerIds, ["w1"]);
      tt.is(loaded.returnValue, "42");
      tt.deepEqual(loaded.enqueuedAt, enqueuedAt);
    });
  });

  it(`${t}: a custom tableName gets its own table, indexes and migration history`, async (tt) => {
    const tableName = `custom_${t}`;
    const url = target.url("custom");
    await withOrm(url, tableName, async (orm) => {
      tt.deepEqual(await migrate(orm), ALL);
      tt.is(await schemaDiff(orm), "");
      tt.regex(await indexSql(orm, `${tableName}_claim_idx`), /priority.? desc/i);
      const history = await orm.em.execute<{ name: string }[]>(`select name from ${migrationsTableName(tableName)}`);
      tt.deepEqual(
        history.map((r) => r.name),
        ALL,
      );
    });
    // The default table migrates independently in the same database (SQLite: same file).
    if (t === "sqlite") {
      await withOrm(url, undefined, async (orm) => {
        tt.deepEqual(await migrate(orm), ALL);
        tt.is(await schemaDiff(orm), "");
      });
    }
  });
}

test("entity names: the default table is DBTaskResult, custom tables get their own name", (t) => {
  t.is(DBTaskResult.meta.className, "DBTaskResult");
  t.is(DBTaskResult.meta.tableName, "errand_task_result");
  const custom = createTaskResultEntity("my_tasks");
  t.is(custom.meta.className, "DBTaskResult_my_tasks");
  t.is(custom.meta.tableName, "my_tasks");
  t.is(createTaskResultEntity("my_tasks"), custom, "one object per table name");
  t.is(createTaskResultEntity(), DBTaskResult);
});

test("an unusable tableName is refused", (t) => {
  for (const bad of ["", "Tasks", "drop table x;--", "1abc", "a".repeat(47)]) {
    t.throws(() => createTaskResultEntity(bad), { message: /OPTIONS\.tableName/ });
  }
});

test("parseDatabaseUrl: accepted forms", (t) => {
  t.deepEqual(parseDatabaseUrl("sqlite::memory:"), { dialect: "sqlite", dbName: ":memory:" });
  t.deepEqual(parseDatabaseUrl("sqlite://:memory:"), { dialect: "sqlite", dbName: ":memory:" });
  t.deepEqual(parseDatabaseUrl("sqlite:/var/db/e.sqlite3"), { dialect: "sqlite", dbName: "/var/db/e.sqlite3" });
  t.deepEqual(parseDatabaseUrl("sqlite:///var/db/e.sqlite3"), { dialect: "sqlite", dbName: "/var/db/e.sqlite3" });
  t.deepEqual(parseDatabaseUrl("sqlite:data/e.sqlite3"), { dialect: "sqlite", dbName: join(process.cwd(), "data/e.sqlite3") });
  t.deepEqual(parseDatabaseUrl("sqlite://data/e.sqlite3"), { dialect: "sqlite", dbName: join(process.cwd(), "data/e.sqlite3") });
  t.deepEqual(parseDatabaseUrl("postgres://u@h/db"), { dialect: "postgresql", clientUrl: "postgres://u@h/db" });
  t.deepEqual(parseDatabaseUrl("postgresql://u@h:5432/db"), { dialect: "postgresql", clientUrl: "postgresql://u@h:5432/db" });
  t.deepEqual(parseDatabaseUrl("mysql://u:p@h:3306/db"), { dialect: "mysql", driver: "mysql", clientUrl: "mysql://u:p@h:3306/db" });
  t.deepEqual(parseDatabaseUrl("mariadb://u@h/db"), { dialect: "mysql", driver: "mariadb", clientUrl: "mysql://u@h/db" });
});

test("an invalid url gives one clear error naming the option, the value and the accepted forms", async (t) => {
  for (const bad of ["mssql://root:hunter2@localhost/db", "errand.sqlite3", "sqlite:", ""]) {
    const error = await t.throwsAsync(createOrm({ url: bad }));
    t.regex(error!.message, /OPTIONS\.url/);
    t.regex(error!.message, /sqlite:<path>/);
    t.regex(error!.message, /postgresql:\/\//);
    t.false(error!.message.includes("hunter2"));
  }
  const error = t.throws(() => parseDatabaseUrl("mssql://h/db"));
  t.true(error!.message.includes('"mssql://h/db"'));
});

test("dialect timestamp and JSON conversions", (t) => {
  const d = new Date("2026-11-21T03:14:27.755Z");
  t.is(sqliteDialect.toDb(d), d.getTime());
  t.is(postgresqlDialect.toDb(d), "2026-11-21T03:14:27.755Z");
  for (const raw of [
    "2026-11-21 03:14:27.755+00",
    "2026-11-21 03:14:27.755123+00",
    "2026-11-21 05:14:27.755+02",
    "2026-11-21 08:44:27.755+05:30",
    "2026-11-20 23:44:27.755-0330",
    "2026-11-21T03:14:27.755Z",
    d.getTime(),
    BigInt(d.getTime()),
    String(d.getTime()),
    d,
  ]) {
    t.deepEqual(postgresqlDialect.fromDb(raw), d, String(raw));
    t.deepEqual(sqliteDialect.fromDb(raw), d, String(raw));
  }
  t.is(sqliteDialect.fromDb(null), null);
  t.throws(() => postgresqlDialect.fromDb("infinity"), { instanceOf: TypeError });
  t.throws(() => sqliteDialect.toDb(new Date(Number.NaN)), { instanceOf: RangeError });
  t.is(sqliteDialect.jsonToDb(null), null);
  t.is(sqliteDialect.jsonToDb(["a"]), '["a"]');
  t.deepEqual(sqliteDialect.jsonFromDb('{"a":[1]}'), { a: [1] });
  t.is(sqliteDialect.jsonFromDb(5), 5);
  // pg returns jsonb parsed: a JSON string must not be parsed a second time.
  t.is(postgresqlDialect.jsonFromDb("42"), "42");
  t.is(postgresqlDialect.quoteIdent('a"b'), '"a""b"');
  // Capabilities, not names, carry the differences outside queries/.
  t.like(postgresqlDialect, { supportsNotify: true, clock: "store", migratesOnFirstUse: false, numberedParameters: true });
  t.like(sqliteDialect, { supportsNotify: false, clock: "host", migratesOnFirstUse: true, numberedParameters: false });
});

test("sqlite: every connection runs in WAL mode with a busy timeout", async (t) => {
  await withOrm(`sqlite:${join(tmp, "pragmas", "nested", "e.sqlite3")}`, undefined, async (orm) => {
    const [mode] = await orm.em.execute<{ journal_mode: string }[]>("pragma journal_mode");
    const [busy] = await orm.em.execute<{ timeout: number }[]>("pragma busy_timeout");
    const [sync] = await orm.em.execute<{ synchronous: number }[]>("pragma synchronous");
    t.is(mode?.journal_mode, "wal");
    t.is(busy?.timeout, 5000);
    t.is(sync?.synchronous, 1); // NORMAL
  });
});

// What MikroORM's migrator (used by errand before its own runner) created and wrote, verbatim.
const MIKRO_ORM_BOOKKEEPING = {
  sqlite:
    "CREATE TABLE `errand_migrations` (`id` integer not null primary key autoincrement, `name` text not null, `executed_at` datetime not null default (strftime('%s', 'now') * 1000))",
  postgresql:
    'create table "errand_migrations" ("id" serial primary key, "name" varchar(255) not null, "executed_at" timestamptz(6) not null default current_timestamp(6))',
};

for (const target of targets) {
  const t = target.name;
  // PostgreSQL's tests share one scratch database, and a schema diff reads every table's indexes: one
  // test dropping an index while another's diff reads it made pg_get_indexdef return NULL inside
  // MikroORM (a CI flake). So they run one at a time.
  const it = t === "postgresql" ? test.serial : test;

  it(`${t}: a database migrated by MikroORM's migrator (its table and rows) is up to date; a check creates nothing`, async (tt) => {
    const table = `compat_${randomBytes(3).toString("hex")}`;
    await withOrm(target.url("compat"), table, async (orm) => {
      tt.deepEqual(await pendingMigrations(orm), ALL);
      const book = migrationsTableName(table);
      const exists = async () =>
        (t === "sqlite"
          ? await orm.em.execute("select 1 from sqlite_master where name = ?", [book])
          : await orm.em.execute("select 1 from pg_tables where tablename = ?", [book])).length > 0;
      tt.false(await exists(), "pendingMigrations created nothing");
      // The task table as the migration creates it, recorded the way MikroORM's migrator recorded it.
      for (const sql of (await import("../../../backends/database/migrations/index.js")).migrationsFor(t, table)[0]!.up) await orm.em.execute(sql);
      await orm.em.execute(MIKRO_ORM_BOOKKEEPING[t].replace(/errand_migrations/, book));
      await orm.em.execute(`insert into ${t === "sqlite" ? `\`${book}\`` : `"${book}"`} (name) values ('${INITIAL}')`);
      // A database of an earlier errand version gets the newer migrations only.
      tt.deepEqual(await pendingMigrations(orm), ALL.slice(1));
      tt.deepEqual(await migrate(orm), ALL.slice(1));
      tt.deepEqual(await migrate(orm), []);
      tt.is(await schemaDiff(orm), "");
    });
  });

  // better-sqlite3 waits for a lock synchronously, so SQLite migrators can only race across processes
  // (begin immediate serializes those); within one process three of them would block each other.
  if (t === "postgresql") it(`${t}: concurrent migrators are serialized: one applies, the others find nothing to do`, async (tt) => {
    const table = `race_${randomBytes(3).toString("hex")}`;
    const orms = await Promise.all([1, 2, 3].map(() => createOrm({ url: target.url("race"), tableName: table })));
    try {
      const results = await Promise.all(orms.map((orm) => migrate(orm)));
      tt.deepEqual(results.flat(), ALL);
      const rows = await orms[0]!.em.execute<{ name: string }[]>(`select name from ${migrationsTableName(table)}`);
      tt.deepEqual(rows.map((r) => r.name), ALL);
    } finally {
      await Promise.all(orms.map((orm) => closeOrm(orm)));
    }
  });
}
