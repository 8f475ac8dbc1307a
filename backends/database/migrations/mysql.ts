/**
 * MySQL-family migrations for the task result table (MySQL 8, MariaDB 10.6+): InnoDB, utf8mb4 with a
 * binary collation (ids and task names compare exactly, as on the other dialects), JSON columns
 * (MariaDB: LONGTEXT with a JSON check, which is what its JSON type is) and DATETIME(3) holding UTC.
 *
 * MySQL has no partial indexes: every index leads with `status`, so the claim's
 * `WHERE status = 'READY' … ORDER BY priority DESC, available_at, enqueued_at LIMIT n FOR UPDATE
 * SKIP LOCKED` walks the claim index in order and InnoDB locks only the rows it takes. The indexes
 * are part of the one CREATE TABLE: MySQL commits every DDL statement on its own, so a migration
 * that is one statement is all or nothing; one of several statements is written so that a rerun
 * after a failure between them completes it.
 */
import { assertTableName, slotTableName, taskResultIndexNames } from "../entity.js";
import { mysqlMetadataMigration } from "./metadata.js";
import { mysqlLimitsMigration } from "./limits.js";
import type { ErrandMigration } from "./migration.js";
import { idCollationMigration } from "./id-collation.js";
import { traceContextMigration } from "./trace-context.js";

/** Stable name recorded in the migrations table; the same as on the other dialects. */
const INITIAL_MIGRATION_NAME = "Migration20261121000000_initial";
/** Periodic tasks (DESIGN §6): the slot table and the task's `scheduled_at`; the same name as on the other dialects. */
const PERIODIC_SLOTS_MIGRATION_NAME = "Migration20261129000000_periodic_slots";
/** Unique tasks (DESIGN §7): `unique_key`, `unique_until` and the unique index over them; the same name as on the other dialects. */
const UNIQUE_TASKS_MIGRATION_NAME = "Migration20261129410000_unique_tasks";

/**
 * The MySQL-family migrations for `tableName`, oldest first, as plain SQL.
 *
 * @throws Error from `assertTableName` for an unusable table name.
 */
export function mysqlMigrations(tableName: string): ErrandMigration[] {
  assertTableName(tableName);
  const t = `\`${tableName}\``;
  const idx = taskResultIndexNames(tableName);

  const up = [
    `create table ${t} (` +
      "`id` varchar(64) not null, " +
      "`task_path` varchar(255) not null, " +
      "`queue_name` varchar(255) not null, " +
      "`backend_name` varchar(255) not null, " +
      "`priority` int not null default 0, " +
      "`status` varchar(16) not null, " +
      "`args` json not null, " +
      "`return_value` json null, " +
      // No literal defaults: MySQL allows none on JSON columns (errand always writes both).
      "`errors` json not null, " +
      "`worker_ids` json not null, " +
      "`attempts` int not null default 0, " +
      "`max_attempts` int not null default 1, " +
      "`enqueued_at` datetime(3) not null, " +
      "`run_after` datetime(3) null, " +
      "`available_at` datetime(3) not null, " +
      "`started_at` datetime(3) null, " +
      "`last_attempted_at` datetime(3) null, " +
      "`finished_at` datetime(3) null, " +
      "`lease_expires_at` datetime(3) null, " +
      "`locked_by` varchar(64) null, " +
      "primary key (`id`), " +
      `index \`${idx.claim}\` (\`status\`, \`priority\` desc, \`available_at\`, \`enqueued_at\`), ` +
      `index \`${idx.lease}\` (\`status\`, \`lease_expires_at\`), ` +
      `index \`${idx.finished}\` (\`status\`, \`finished_at\`), ` +
      `index \`${idx.taskPath}\` (\`status\`, \`task_path\`)` +
      ") engine = InnoDB default character set utf8mb4 collate utf8mb4_bin",
  ];
  const down = [`drop table if exists ${t}`];

  const slots = `\`${slotTableName(tableName)}\``;
  const periodic: ErrandMigration = {
    name: PERIODIC_SLOTS_MIGRATION_NAME,
    // Each statement commits by itself. The table first, `if not exists`: should the ALTER fail, a
    // rerun of the migration goes through (MySQL 8 has no `add column if not exists`).
    up: [
      // The primary key is the exactly-once guarantee: one row, hence one task, per slot.
      `create table if not exists ${slots} (` +
        "`key` varchar(255) not null, " +
        "`fire_time` datetime(3) not null, " +
        "`cron` varchar(255) not null, " +
        "`timezone` varchar(255) not null, " +
        "`task_id` varchar(64) not null, " +
        "`enqueued_at` datetime(3) not null, " +
        "primary key (`key`, `fire_time`)" +
        ") engine = InnoDB default character set utf8mb4 collate utf8mb4_bin",
      `alter table ${t} add column \`scheduled_at\` datetime(3) null`,
    ],
    down: [`drop table if exists ${slots}`, `alter table ${t} drop column \`scheduled_at\``],
  };

  // One statement, so all or nothing. No partial index needed: a unique index lets any number of
  // NULL keys coexist, and a task keeps its key until another enqueue takes it over (see
  // queries/insert-unique.ts), so the index is over every keyed row, as on the other dialects.
  const unique: ErrandMigration = {
    name: UNIQUE_TASKS_MIGRATION_NAME,
    up: [
      `alter table ${t} add column \`unique_key\` varchar(255) null, add column \`unique_until\` datetime(3) null, ` +
        `add unique index \`${idx.unique}\` (\`task_path\`, \`unique_key\`)`,
    ],
    down: [`alter table ${t} drop index \`${idx.unique}\`, drop column \`unique_key\`, drop column \`unique_until\``],
  };

  return [{ name: INITIAL_MIGRATION_NAME, up, down }, periodic, mysqlMetadataMigration(tableName), unique, traceContextMigration("mysql", tableName), mysqlLimitsMigration(tableName), idCollationMigration("mysql", tableName)];
}
