/**
 * errand's own migration runner, over the connection of any MikroORM (errand's own or the
 * application's): no `@mikro-orm/migrations` needed. It keeps MikroORM's bookkeeping format, so a
 * database migrated by earlier errand versions (through MikroORM's migrator) is seen as up to date:
 * the table `errand_migrations` (or `<tableName>_migrations`) with columns id, name, executed_at,
 * and one row per applied migration holding its name.
 *
 * Every run is one transaction (all pending migrations or none). Concurrent runs (several workers
 * starting at once) are serialized: PostgreSQL by a transaction-scoped advisory lock (the same key
 * earlier versions locked), SQLite by `begin immediate`, which takes the write lock up front, and
 * the MySQL family by a named lock (`GET_LOCK`); there DDL commits by itself, so each migration is
 * written as statements that are each atomic.
 */
import type { DialectName } from "./dialect.js";
import { migrationsFor } from "./migrations/index.js";

/** Key of the PostgreSQL advisory lock held while migrating ("errand" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x65_72_72_61_6e_64;

interface Rows {
  rows: Record<string, unknown>[];
}
interface KyselyConnection {
  executeQuery(query: unknown): Promise<Rows>;
}
/** The part of the Kysely instance behind MikroORM's SQL connection that the runner uses. */
export interface KyselyLike extends KyselyConnection {
  connection(): { execute<T>(fn: (db: KyselyConnection) => Promise<T>): Promise<T> };
}

type Run = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** How one dialect runs migrations: every SQL difference of the runner, side by side. */
interface MigrationDialect {
  /** The bookkeeping table, as MikroORM's migrator creates it (same columns, types and defaults). */
  bookkeepingDdl(table: string): string;
  /** An identifier quoted the way MikroORM's migrator quoted it. */
  quote(table: string): string;
  /** Whether table `table` exists. */
  tableExists(run: Run, table: string): Promise<boolean>;
  /** Opens the migration transaction and serializes it against concurrent runs. */
  begin(run: Run): Promise<void>;
  /** `?` placeholders → what the driver wants. */
  placeholders(sql: string): string;
  /** Releases what {@link begin} took beyond the transaction (a session-level lock), after commit or rollback. */
  end?(run: Run): Promise<void>;
}

/** Name of the MySQL-family named lock (GET_LOCK) held while migrating. */
export const MYSQL_MIGRATION_LOCK = "errand_migrations";

const MIGRATION_DIALECTS: Record<DialectName, MigrationDialect> = {
  postgresql: {
    bookkeepingDdl: (table) =>
      `create table if not exists "${table}" ("id" serial primary key, "name" varchar(255) not null, "executed_at" timestamptz(6) not null default current_timestamp(6))`,
    quote: (table) => `"${table}"`,
    tableExists: async (run, table) => (await run("select to_regclass(?) is not null as found", [`"${table}"`]))[0]?.found === true,
    async begin(run) {
      await run("begin");
      // A migration may legitimately run longer than the pool's statement_timeout, and waiting
      // for another migrator's lock is expected: neither should be cut off.
      await run("set local statement_timeout = 0");
      await run("select pg_advisory_xact_lock(?)", [MIGRATION_LOCK_KEY]);
    },
    placeholders: (sql) => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    },
  },
  sqlite: {
    bookkeepingDdl: (table) =>
      `create table if not exists \`${table}\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`executed_at\` datetime not null default (strftime('%s', 'now') * 1000))`,
    quote: (table) => `\`${table}\``,
    tableExists: async (run, table) => (await run("select 1 as found from sqlite_master where type = 'table' and name = ?", [table])).length > 0,
    // Takes the write lock up front: a second runner waits here, then finds everything applied.
    begin: async (run) => void (await run("begin immediate")),
    placeholders: (sql) => sql,
  },
  mysql: {
    // What MikroORM's migrator creates on MySQL (same columns).
    bookkeepingDdl: (table) =>
      `create table if not exists \`${table}\` (\`id\` int unsigned not null auto_increment primary key, \`name\` varchar(255), \`executed_at\` datetime default current_timestamp) default character set utf8mb4 engine = InnoDB`,
    quote: (table) => `\`${table}\``,
    tableExists: async (run, table) =>
      (await run("select 1 as found from information_schema.tables where table_schema = database() and table_name = ?", [table])).length > 0,
    // MySQL commits every DDL statement by itself, so the transaction cannot make the run all or
    // nothing (each errand migration's statements are each atomic, and rerunnable after a failure
    // between them: see migrations/mysql.ts); a session-level named lock
    // serializes concurrent runners instead, released by `end` on the same connection.
    async begin(run) {
      const rows = await run("select get_lock(?, 600) as locked", [MYSQL_MIGRATION_LOCK]);
      if (Number(rows[0]?.locked) !== 1) throw new Error(`Timed out after 600 s waiting for the migration lock ${MYSQL_MIGRATION_LOCK} (another "errand migrate" is running)`);
      await run("begin");
    },
    placeholders: (sql) => sql,
    end: async (run) => void (await run("select release_lock(?)", [MYSQL_MIGRATION_LOCK])),
  },
};

/** Runs `fn` on one connection of the pool (SQLite: the connection), with a statement runner. */
async function onOneConnection<T>(kysely: KyselyLike, dialect: MigrationDialect, fn: (run: Run) => Promise<T>): Promise<T> {
  const { CompiledQuery } = await import("kysely");
  return kysely.connection().execute(async (db) => {
    const run: Run = async (sql, params = []) => (await db.executeQuery(CompiledQuery.raw(dialect.placeholders(sql), params))).rows;
    return fn(run);
  });
}

async function appliedNames(run: Run, table: string, dialect: MigrationDialect): Promise<Set<string>> {
  const rows = await run(`select name from ${dialect.quote(table)}`);
  // MikroORM's migrator strips .js/.ts when it compares names; do the same.
  return new Set(rows.map((r) => String(r.name).replace(/\.[jt]s$/, "")));
}

/** What a run needs: the ORM's Kysely instance, its dialect, the task table and its migrations table. */
export interface MigrationTarget {
  kysely: KyselyLike;
  dialect: DialectName;
  tableName: string;
  migrationsTable: string;
}

/**
 * Names of errand's migrations not applied yet, oldest first. Reads only: creates nothing (so
 * `errand migrate --check` leaves the database as it found it).
 */
export async function pendingMigrationNames(target: MigrationTarget): Promise<string[]> {
  const { kysely, dialect, tableName, migrationsTable } = target;
  const all = migrationsFor(dialect, tableName).map((m) => m.name);
  const sql = MIGRATION_DIALECTS[dialect];
  return onOneConnection(kysely, sql, async (run) => {
    if (!(await sql.tableExists(run, migrationsTable))) return all;
    const done = await appliedNames(run, migrationsTable, sql);
    return all.filter((name) => !done.has(name));
  });
}

/**
 * Applies errand's pending migrations in one transaction, serialized against concurrent runs.
 * @returns the names applied, oldest first; `[]` when up to date.
 * @throws the database's error (the transaction is rolled back: nothing is applied).
 */
export async function applyMigrations(target: MigrationTarget): Promise<string[]> {
  const { kysely, dialect, tableName, migrationsTable } = target;
  const migrations = migrationsFor(dialect, tableName);
  const sql = MIGRATION_DIALECTS[dialect];
  return onOneConnection(kysely, sql, async (run) => {
    try {
      // Inside the try: a failed lock or setting must still roll the transaction back.
      await sql.begin(run);
      await run(sql.bookkeepingDdl(migrationsTable));
      const done = await appliedNames(run, migrationsTable, sql);
      const applied: string[] = [];
      const q = sql.quote(migrationsTable);
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        for (const sql of migration.up) await run(sql);
        await run(`insert into ${q} (name) values (?)`, [migration.name]);
        applied.push(migration.name);
      }
      await run("commit");
      return applied;
    } catch (error) {
      await run("rollback").catch(() => undefined);
      throw error;
    } finally {
      await sql.end?.(run).catch(() => undefined);
    }
  });
}
