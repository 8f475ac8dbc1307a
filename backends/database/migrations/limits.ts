/**
 * Limits and paused queues (DESIGN §7), side by side for each dialect: the task's
 * `concurrency_key` (computed at enqueue) and the table `<tableName>_limit`, one small row per
 * limited task name (`task:<name>`) or queue (`queue:<name>`), which limited claims lock to count
 * RUNNING tasks without racing (see `queries/claim-limited.ts`); a queue's row also says whether
 * it is paused and keeps the start times of its sliding rate-limit window.
 */
import { limitTableName } from "../entity.js";
import type { ErrandMigration } from "./migration.js";

/** Stable name recorded in the migrations table; the same on every dialect. */
export const LIMITS_MIGRATION_NAME = "Migration20261129510000_limits";

/** PostgreSQL. */
export function postgresqlLimitsMigration(tableName: string): ErrandMigration {
  const t = `"${tableName}"`;
  const l = `"${limitTableName(tableName)}"`;
  return {
    name: LIMITS_MIGRATION_NAME,
    up: [
      `alter table ${t} add column "concurrency_key" varchar(255) null`,
      `create table ${l} ("limit_key" varchar(255) not null, "paused" boolean not null default false, "starts" text not null default '[]', primary key ("limit_key"))`,
    ],
    down: [`drop table if exists ${l}`, `alter table ${t} drop column "concurrency_key"`],
  };
}

/** SQLite. */
export function sqliteLimitsMigration(tableName: string): ErrandMigration {
  const t = `\`${tableName}\``;
  const l = `\`${limitTableName(tableName)}\``;
  return {
    name: LIMITS_MIGRATION_NAME,
    up: [
      `alter table ${t} add column \`concurrency_key\` text null`,
      `create table ${l} (\`limit_key\` text not null, \`paused\` integer not null default 0, \`starts\` text not null default '[]', primary key (\`limit_key\`))`,
    ],
    down: [`drop table if exists ${l}`, `alter table ${t} drop column \`concurrency_key\``],
  };
}

/** MySQL family: the table first, `if not exists`, so a rerun after a failed ALTER goes through (each DDL commits alone). */
export function mysqlLimitsMigration(tableName: string): ErrandMigration {
  const t = `\`${tableName}\``;
  const l = `\`${limitTableName(tableName)}\``;
  return {
    name: LIMITS_MIGRATION_NAME,
    up: [
      `create table if not exists ${l} (` +
        "`limit_key` varchar(255) not null, `paused` boolean not null default false, `starts` longtext not null, primary key (`limit_key`)" +
        ") engine = InnoDB default character set utf8mb4 collate utf8mb4_bin",
      `alter table ${t} add column \`concurrency_key\` varchar(255) null`,
    ],
    down: [`drop table if exists ${l}`, `alter table ${t} drop column \`concurrency_key\``],
  };
}
