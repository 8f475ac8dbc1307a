/**
 * PostgreSQL migrations for the task result table. SQL is hand-written to match what MikroORM's
 * schema generator derives from `entity.ts` (the schema test fails on any difference).
 */
import { assertTableName, slotTableName, taskResultIndexNames } from "../entity.js";
import { postgresqlMetadataMigration } from "./metadata.js";
import { postgresqlLimitsMigration } from "./limits.js";
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
 * The PostgreSQL migrations for `tableName`, oldest first, as plain SQL.
 *
 * @throws Error from `assertTableName` for an unusable table name.
 */
export function postgresqlMigrations(tableName: string): ErrandMigration[] {
  assertTableName(tableName);
  const t = `"${tableName}"`;
  const idx = taskResultIndexNames(tableName);

  const up = [
    `create table ${t} (` +
      `"id" varchar(64) not null, ` +
      `"task_path" varchar(255) not null, ` +
      `"queue_name" varchar(255) not null, ` +
      `"backend_name" varchar(255) not null, ` +
      `"priority" int not null default 0, ` +
      `"status" varchar(16) not null, ` +
      `"args" jsonb not null, ` +
      `"return_value" jsonb null, ` +
      `"errors" jsonb not null default '[]', ` +
      `"worker_ids" jsonb not null default '[]', ` +
      `"attempts" int not null default 0, ` +
      `"max_attempts" int not null default 1, ` +
      `"enqueued_at" timestamptz not null, ` +
      `"run_after" timestamptz null, ` +
      `"available_at" timestamptz not null, ` +
      `"started_at" timestamptz null, ` +
      `"last_attempted_at" timestamptz null, ` +
      `"finished_at" timestamptz null, ` +
      `"lease_expires_at" timestamptz null, ` +
      `"locked_by" varchar(64) null, ` +
      `primary key ("id"))`,
    `create index "${idx.claim}" on ${t} ("priority" desc, "available_at", "enqueued_at") where status = 'READY'`,
    `create index "${idx.lease}" on ${t} ("lease_expires_at") where status = 'RUNNING'`,
    `create index "${idx.finished}" on ${t} ("finished_at") where status IN ('SUCCESSFUL','FAILED')`,
    `create index "${idx.taskPath}" on ${t} ("task_path") where status = 'READY'`,
  ];
  // Dropping the table drops its indexes too.
  const down = [`drop table if exists ${t}`];

  const slots = `"${slotTableName(tableName)}"`;
  const periodic: ErrandMigration = {
    name: PERIODIC_SLOTS_MIGRATION_NAME,
    up: [
      `alter table ${t} add column "scheduled_at" timestamptz null`,
      // The primary key is the exactly-once guarantee: one row, hence one task, per slot.
      `create table ${slots} (` +
        `"key" varchar(255) not null, ` +
        `"fire_time" timestamptz not null, ` +
        `"cron" varchar(255) not null, ` +
        `"timezone" varchar(255) not null, ` +
        `"task_id" varchar(64) not null, ` +
        `"enqueued_at" timestamptz not null, ` +
        `primary key ("key", "fire_time"))`,
    ],
    down: [`drop table if exists ${slots}`, `alter table ${t} drop column "scheduled_at"`],
  };

  // A task keeps its key until another enqueue takes it over (queries/insert-unique.ts), so the index
  // is over every row with a key, not only active ones: the check whether the holder still holds
  // (READY, RUNNING or within `unique_until`) happens where the key changes hands.
  const unique: ErrandMigration = {
    name: UNIQUE_TASKS_MIGRATION_NAME,
    up: [
      `alter table ${t} add column "unique_key" varchar(255) null, add column "unique_until" timestamptz null`,
      `create unique index "${idx.unique}" on ${t} ("task_path", "unique_key") where unique_key IS NOT NULL`,
    ],
    down: [`drop index if exists "${idx.unique}"`, `alter table ${t} drop column "unique_key", drop column "unique_until"`],
  };

  return [{ name: INITIAL_MIGRATION_NAME, up, down }, periodic, postgresqlMetadataMigration(tableName), unique, traceContextMigration("postgresql", tableName), postgresqlLimitsMigration(tableName), idCollationMigration("postgresql", tableName)];
}
