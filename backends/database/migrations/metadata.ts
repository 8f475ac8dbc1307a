/**
 * `Migration20261129400000_metadata`, per dialect: the task's `metadata` column (a JSON object,
 * NULL meaning `{}`: no default, so MySQL, which allows no literal default on JSON columns, needs
 * none, and inserts stay as they were) and a CHECK constraint that keeps `priority` in [-100, 100]
 * whoever writes the row (django-tasks-db has the same constraint; errand's own validation already
 * refuses such priorities at enqueue).
 *
 * SQLite cannot add a constraint to an existing table: the migration rebuilds the table (create,
 * copy, drop, rename, re-index: SQLite's documented procedure), inside the migration's transaction.
 * That copies every row once; on a large table, run `errand migrate` when the workers are stopped.
 */
import { priorityCheckName, taskResultIndexNames } from "../entity.js";
import type { ErrandMigration } from "./migration.js";

/** Stable name recorded in the migrations table, the same on every dialect. */
export const METADATA_MIGRATION_NAME = "Migration20261129400000_metadata";

/** The priority rule, as every dialect writes it. */
export const PRIORITY_CHECK = "priority >= -100 and priority <= 100";

/** PostgreSQL: `jsonb` like the other JSON columns. */
export function postgresqlMetadataMigration(tableName: string): ErrandMigration {
  const t = `"${tableName}"`;
  const check = `"${priorityCheckName(tableName)}"`;
  return {
    name: METADATA_MIGRATION_NAME,
    up: [`alter table ${t} add column "metadata" jsonb null`, `alter table ${t} add constraint ${check} check (${PRIORITY_CHECK})`],
    down: [`alter table ${t} drop constraint if exists ${check}`, `alter table ${t} drop column if exists "metadata"`],
  };
}

/**
 * MySQL family: one ALTER, so the migration is all or nothing (MySQL commits each DDL statement on
 * its own). MySQL 8.0.16+ and MariaDB 10.2+ enforce CHECK constraints.
 */
export function mysqlMetadataMigration(tableName: string): ErrandMigration {
  const t = `\`${tableName}\``;
  const check = `\`${priorityCheckName(tableName)}\``;
  return {
    name: METADATA_MIGRATION_NAME,
    up: [`alter table ${t} add column \`metadata\` json null, add constraint ${check} check (${PRIORITY_CHECK})`],
    down: [`alter table ${t} drop constraint ${check}, drop column \`metadata\``],
  };
}

/** The task table's columns after the periodic-slots migration, in order, as SQLite declares them. */
const SQLITE_COLUMNS: readonly [string, string][] = [
  ["id", "text not null primary key"],
  ["task_path", "text not null"],
  ["queue_name", "text not null"],
  ["backend_name", "text not null"],
  ["priority", "integer not null default 0"],
  ["status", "text not null"],
  ["args", "json not null"],
  ["return_value", "json null"],
  ["errors", "json not null default '[]'"],
  ["worker_ids", "json not null default '[]'"],
  ["attempts", "integer not null default 0"],
  ["max_attempts", "integer not null default 1"],
  ["enqueued_at", "datetime not null"],
  ["run_after", "datetime null"],
  ["available_at", "datetime not null"],
  ["started_at", "datetime null"],
  ["last_attempted_at", "datetime null"],
  ["finished_at", "datetime null"],
  ["lease_expires_at", "datetime null"],
  ["locked_by", "text null"],
  ["scheduled_at", "datetime null"],
];

/** SQLite: the table rebuilt with the constraint, plus the column (see the file's note). */
export function sqliteMetadataMigration(tableName: string): ErrandMigration {
  const t = `\`${tableName}\``;
  const next = `\`${tableName}_rebuild\``;
  const idx = taskResultIndexNames(tableName);
  const columns = SQLITE_COLUMNS.map(([name]) => `\`${name}\``).join(", ");
  const indexes = [
    `create index \`${idx.claim}\` on ${t} (\`priority\` desc, \`available_at\`, \`enqueued_at\`) where status = 'READY'`,
    `create index \`${idx.lease}\` on ${t} (\`lease_expires_at\`) where status = 'RUNNING'`,
    `create index \`${idx.finished}\` on ${t} (\`finished_at\`) where status IN ('SUCCESSFUL','FAILED')`,
    `create index \`${idx.taskPath}\` on ${t} (\`task_path\`) where status = 'READY'`,
  ];
  const rebuild = (withMetadata: boolean): string[] => [
    `create table ${next} (` +
      SQLITE_COLUMNS.map(([name, type]) => `\`${name}\` ${type}`).join(", ") +
      (withMetadata ? ", `metadata` json null" : "") +
      (withMetadata ? `, constraint \`${priorityCheckName(tableName)}\` check (${PRIORITY_CHECK})` : "") +
      ")",
    `insert into ${next} (${columns}) select ${columns} from ${t}`,
    `drop table ${t}`,
    `alter table ${next} rename to ${t}`,
    ...indexes,
  ];
  return { name: METADATA_MIGRATION_NAME, up: rebuild(true), down: rebuild(false) };
}
