/**
 * SQLite migrations for the task result table. SQL is hand-written to match what MikroORM's
 * schema generator derives from `entity.ts` (the schema test fails on any difference): SQLite
 * spells varchar as `text`, and MikroORM declares `json` and `datetime` columns, which SQLite
 * stores as TEXT and INTEGER (epoch milliseconds) values; see `dialect.ts`.
 */
import { assertTableName, slotTableName, taskResultIndexNames } from "../entity.js";
import { sqliteMetadataMigration } from "./metadata.js";
import { sqliteLimitsMigration } from "./limits.js";
import type { ErrandMigration } from "./migration.js";
import { idCollationMigration } from "./id-collation.js";
import { traceContextMigration } from "./trace-context.js";

/** Stable name recorded in the migrations table; never rename it, or the table is created twice. */
const INITIAL_MIGRATION_NAME = "Migration20261121000000_initial";
/** Periodic tasks (DESIGN §6): the slot table and the task's `scheduled_at`. */
const PERIODIC_SLOTS_MIGRATION_NAME = "Migration20261129000000_periodic_slots";
/** Unique tasks (DESIGN §7): `unique_key`, `unique_until` and the unique index over them. */
const UNIQUE_TASKS_MIGRATION_NAME = "Migration20261129410000_unique_tasks";

/**
 * The SQLite migrations for `tableName`, oldest first, as plain SQL.
 *
 * @throws Error from `assertTableName` for an unusable table name.
 */
export function sqliteMigrations(tableName: string): ErrandMigration[] {
  assertTableName(tableName);
  const t = `\`${tableName}\``;
  const idx = taskResultIndexNames(tableName);

  const up = [
    `create table ${t} (` +
      "`id` text not null primary key, " +
      "`task_path` text not null, " +
      "`queue_name` text not null, " +
      "`backend_name` text not null, " +
      "`priority` integer not null default 0, " +
      "`status` text not null, " +
      "`args` json not null, " +
      "`return_value` json null, " +
      "`errors` json not null default '[]', " +
      "`worker_ids` json not null default '[]', " +
      "`attempts` integer not null default 0, " +
      "`max_attempts` integer not null default 1, " +
      "`enqueued_at` datetime not null, " +
      "`run_after` datetime null, " +
      "`available_at` datetime not null, " +
      "`started_at` datetime null, " +
      "`last_attempted_at` datetime null, " +
      "`finished_at` datetime null, " +
      "`lease_expires_at` datetime null, " +
      "`locked_by` text null)",
    `create index \`${idx.claim}\` on ${t} (\`priority\` desc, \`available_at\`, \`enqueued_at\`) where status = 'READY'`,
    `create index \`${idx.lease}\` on ${t} (\`lease_expires_at\`) where status = 'RUNNING'`,
    `create index \`${idx.finished}\` on ${t} (\`finished_at\`) where status IN ('SUCCESSFUL','FAILED')`,
    `create index \`${idx.taskPath}\` on ${t} (\`task_path\`) where status = 'READY'`,
  ];
  // Dropping the table drops its indexes too.
  const down = [`drop table if exists ${t}`];

  const slots = `\`${slotTableName(tableName)}\``;
  const periodic: ErrandMigration = {
    name: PERIODIC_SLOTS_MIGRATION_NAME,
    up: [
      `alter table ${t} add column \`scheduled_at\` datetime null`,
      // The primary key is the exactly-once guarantee: one row, hence one task, per slot.
      `create table ${slots} (` +
        "`key` text not null, " +
        "`fire_time` datetime not null, " +
        "`cron` text not null, " +
        "`timezone` text not null, " +
        "`task_id` text not null, " +
        "`enqueued_at` datetime not null, " +
        "primary key (`key`, `fire_time`))",
    ],
    // SQLite >= 3.35 drops columns.
    down: [`drop table if exists ${slots}`, `alter table ${t} drop column \`scheduled_at\``],
  };

  // A task keeps its key until another enqueue takes it over (queries/insert-unique.ts): see postgresql.ts.
  const unique: ErrandMigration = {
    name: UNIQUE_TASKS_MIGRATION_NAME,
    up: [
      `alter table ${t} add column \`unique_key\` text null`,
      `alter table ${t} add column \`unique_until\` datetime null`,
      `create unique index \`${idx.unique}\` on ${t} (\`task_path\`, \`unique_key\`) where unique_key IS NOT NULL`,
    ],
    down: [`drop index if exists \`${idx.unique}\``, `alter table ${t} drop column \`unique_until\``, `alter table ${t} drop column \`unique_key\``],
  };

  return [{ name: INITIAL_MIGRATION_NAME, up, down }, periodic, sqliteMetadataMigration(tableName), unique, traceContextMigration("sqlite", tableName), sqliteLimitsMigration(tableName), idCollationMigration("sqlite", tableName)];
}
