/**
 * The task result table as a MikroORM entity (one row per enqueued task).
 *
 * Imports `@mikro-orm/core` at module load: import this file only lazily (see `orm.ts`) or with
 * `import type`, so that `errand/backends/database` can be loaded, and fail with a clear message,
 * when the MikroORM packages are missing.
 */
import type { EntitySchema, OptionalProps } from "@mikro-orm/core";
import { mikroOrmCore } from "./peers.js";
import type { JsonValue } from "../../src/json.js";
import type { TaskError } from "../../src/task-error.js";
import type { TaskResultStatus } from "../../src/task-result-status.js";

const { defineEntity, p } = mikroOrmCore;

/** The table name used when `OPTIONS.tableName` is not given. */
export const DEFAULT_TABLE_NAME = "errand_task_result";

/**
 * Longest accepted table name: PostgreSQL truncates identifiers at 63 bytes; the longest derived
 * name is the migrations table, `<table>_migrations` (11), or an index, `<table>_task_path_idx` (14),
 * and 46 leaves room for one more suffix of up to 17 characters. A truncated name would make the
 * migrations and the entity disagree.
 */
export const MAX_TABLE_NAME_LENGTH = 46;

/**
 * One row of the task result table, as MikroORM hydrates it (camelCase properties; the SQL
 * columns are snake_case). Timestamps are `Date`s; JSON columns are parsed.
 */
export interface DBTaskResultRow {
  /** Task result id, varchar(64) primary key. UUIDs by default, opaque otherwise. */
  id: string;
  /** The task's name (column `task_path`, varchar(255)). */
  taskPath: string;
  /** varchar(255). */
  queueName: string;
  /** The backend alias that enqueued the task, varchar(255). */
  backendName: string;
  /** Higher runs first; default 0. */
  priority: number;
  /** varchar(16). */
  status: TaskResultStatus;
  /** Positional arguments, a JSON array (jsonb on PostgreSQL). */
  args: JsonValue[];
  /** The task's return value once SUCCESSFUL, else null (JSON, nullable). */
  returnValue: JsonValue | null;
  /** One entry per failed attempt, oldest first; default `[]`. */
  errors: TaskError[];
  /** Ids of the workers that ran an attempt, oldest first; default `[]`. */
  workerIds: string[];
  /** Attempts started so far; default 0. */
  attempts: number;
  /** Attempts allowed in total (1 = no retry); default 1. */
  maxAttempts: number;
  /** When the task was enqueued. */
  enqueuedAt: Date;
  /** The time the caller asked the task to run at, or null for "as soon as possible". */
  runAfter: Date | null;
  /** When the row becomes due: `runAfter ?? enqueuedAt` at first, moved forward by retries. */
  availableAt: Date;
  /** Start of the first attempt. */
  startedAt: Date | null;
  /** Start of the latest attempt. */
  lastAttemptedAt: Date | null;
  /** When the task reached SUCCESSFUL, FAILED or CANCELLED. */
  finishedAt: Date | null;
  /** When the lease of a RUNNING row runs out and another worker may take it over. */
  leaseExpiresAt: Date | null;
  /** Id of the worker holding a RUNNING row, varchar(64). */
  lockedBy: string | null;
  /** The fire time of the periodic slot that enqueued the task, or null (enqueued by a call). */
  scheduledAt: Date | null;
  /** The task's metadata (`context.metadata`), a JSON object; null means `{}` (never saved). */
  metadata: Record<string, JsonValue> | null;
  /**
   * The task's `uniqueKey`, varchar(255), or null. Kept after the task finished, until another
   * enqueue of the same task and key takes it over (see queries/insert-unique.ts).
   */
  uniqueKey: string | null;
  /** `enqueued_at + uniqueFor` by the database's clock: the key is held until then whatever the status; null without `uniqueFor`. */
  uniqueUntil: Date | null;
  /** The W3C trace context of the enqueue's OpenTelemetry span, as JSON text, or null. */
  traceContext: string | null;
  /** The key a task's `concurrency` limit counts it under, computed at enqueue; null without one. */
  concurrencyKey: string | null;
  /** Properties `em.create` may leave out: the database (or `onCreate`) fills them. */
  [OptionalProps]?: "priority" | "errors" | "workerIds" | "attempts" | "maxAttempts" | "metadata";
}

/** The names of the table's indexes, derived from the table name so several tables can coexist. */
export interface TaskResultIndexNames {
  /** `(priority DESC, available_at, enqueued_at) WHERE status = 'READY'`: the claim query. */
  claim: string;
  /** `(lease_expires_at) WHERE status = 'RUNNING'`: finding expired leases. */
  lease: string;
  /** `(finished_at) WHERE status IN ('SUCCESSFUL','FAILED')`: pruning old results. */
  finished: string;
  /** `(task_path) WHERE status = 'READY'`: READY tasks by name (unrunnable names, the admin's filter). */
  taskPath: string;
  /** Unique `(task_path, unique_key) WHERE unique_key IS NOT NULL` (MySQL: over every row, NULLs never collide): unique tasks. */
  unique: string;
}

/**
 * Checks a table name before it is spliced into SQL.
 *
 * @throws Error naming `OPTIONS.tableName` unless the name is 1–46 characters of lowercase
 *   letters, digits and underscores, starting with a letter or underscore. Lowercase only, so the
 *   quoted name in errand's SQL and an unquoted name in someone's psql session are the same table.
 */
export function assertTableName(tableName: string): void {
  if (typeof tableName !== "string" || !/^[a-z_][a-z0-9_]*$/.test(tableName) || tableName.length > MAX_TABLE_NAME_LENGTH) {
    throw new Error(
      `DatabaseBackend OPTIONS.tableName must be 1-${MAX_TABLE_NAME_LENGTH} characters of lowercase letters, ` +
        `digits and underscores, starting with a letter or underscore; got ${JSON.stringify(tableName)}`,
    );
  }
}

/** Index names for `tableName` (not validated). */
export function taskResultIndexNames(tableName: string): TaskResultIndexNames {
  return {
    claim: `${tableName}_claim_idx`,
    lease: `${tableName}_lease_idx`,
    finished: `${tableName}_finished_idx`,
    taskPath: `${tableName}_task_path_idx`,
    unique: `${tableName}_unique_idx`,
  };
}

/**
 * The table of periodic slots that goes with a task table: `<tableName>_slot`, one row per
 * (schedule key, fire time) enqueued, its primary key (see `migrations/` and `queries/slots.ts`).
 * At most 51 characters, under PostgreSQL's 63.
 */
export function slotTableName(tableName: string): string {
  return `${tableName}_slot`;
}

/** The CHECK constraint keeping `priority` in [-100, 100] (`Migration20261129400000_metadata`). */
export function priorityCheckName(tableName: string): string {
  return `${tableName}_priority_check`;
}

/**
 * The table of limits and paused queues that goes with a task table: `<tableName>_limit` (see
 * `migrations/limits.ts` and `queries/claim-limited.ts`). At most 52 characters.
 */
export function limitTableName(tableName: string): string {
  return `${tableName}_limit`;
}

/** The entity name for `tableName`: `DBTaskResult` for the default table, `DBTaskResult_<table>` otherwise. */
export function taskResultEntityName(tableName: string): string {
  return tableName === DEFAULT_TABLE_NAME ? "DBTaskResult" : `DBTaskResult_${tableName}`;
}

// MikroORM identifies an entity by its schema object: `em.create(x)` must get the very object the
// ORM was configured with, so each table name maps to one object for the life of the process.
const entities = new Map<string, EntitySchema<DBTaskResultRow>>();

/**
 * The entity for a task result table. Each table name gets its own entity name (see
 * {@link taskResultEntityName}) so entities for several tables can live in one process; register
 * only one of them per ORM. Calls with the same name return the same object, which is what
 * `em.create`/`em.find` need (a look-alike object is "not a known entity").
 *
 * @param tableName - SQL table name; default `errand_task_result`.
 * @throws Error from {@link assertTableName} for an unusable name.
 */
export function createTaskResultEntity(tableName: string = DEFAULT_TABLE_NAME): EntitySchema<DBTaskResultRow> {
  let entity = entities.get(tableName);
  if (!entity) {
    entity = buildEntity(tableName);
    entities.set(tableName, entity);
  }
  return entity;
}

function buildEntity(tableName: string): EntitySchema<DBTaskResultRow> {
  assertTableName(tableName);
  const idx = taskResultIndexNames(tableName);
  const schema = defineEntity({
    name: taskResultEntityName(tableName),
    tableName,
    properties: {
      // PostgreSQL's migration gives it `COLLATE "C"` (migrations/id-collation.ts: a bytewise primary
      // key is cheaper to maintain); a collation name is per dialect, so the entity names none and
      // the schema diff leaves it alone.
      id: p.string().primary().length(64).ignoreSchemaChanges("collation"),
      taskPath: p.string().length(255),
      queueName: p.string().length(255),
      backendName: p.string().length(255),
      priority: p.integer().default(0),
      status: p.string().length(16),
      args: p.json<JsonValue[]>(),
      returnValue: p.json<JsonValue>().nullable(),
      // `.default('[]')` would make MikroORM insert the JSON *string* "[]"; the raw default keeps the
      // column default an empty array and `onCreate` gives new entities a real array in memory.
      errors: p.json<TaskError[]>().defaultRaw("'[]'").onCreate(() => []),
      workerIds: p.json<string[]>().defaultRaw("'[]'").onCreate(() => []),
      attempts: p.integer().default(0),
      maxAttempts: p.integer().default(1),
      enqueuedAt: p.datetime(),
      runAfter: p.datetime().nullable(),
      availableAt: p.datetime(),
      startedAt: p.datetime().nullable(),
      lastAttemptedAt: p.datetime().nullable(),
      finishedAt: p.datetime().nullable(),
      leaseExpiresAt: p.datetime().nullable(),
      lockedBy: p.string().length(64).nullable(),
      scheduledAt: p.datetime().nullable(),
      metadata: p.json<Record<string, JsonValue>>().nullable(),
      uniqueKey: p.string().length(255).nullable(),
      uniqueUntil: p.datetime().nullable(),
      traceContext: p.text().nullable(),
      concurrencyKey: p.string().length(255).nullable(),
    },
    // Priority in [-100, 100] whoever writes the row (django-tasks-db has the same constraint).
    checks: [{ name: priorityCheckName(tableName), expression: "priority >= -100 and priority <= 100" }],
    uniques: [{ name: idx.unique, properties: ["taskPath", "uniqueKey"], where: "unique_key IS NOT NULL" }],
    indexes: [
      // Raw statement because MikroORM 7's SQLite introspection drops the DESC (it reads
      // PRAGMA index_info), which would make the schema diff recreate the index forever. An
      // `expression` index is compared by name only; the schema test checks its definition instead.
      {
        name: idx.claim,
        expression:
          `create index "${idx.claim}" on "${tableName}" ("priority" desc, "available_at", "enqueued_at") ` +
          `where status = 'READY'`,
      },
      { name: idx.lease, properties: ["leaseExpiresAt"], where: "status = 'RUNNING'" },
      { name: idx.finished, properties: ["finishedAt"], where: "status IN ('SUCCESSFUL','FAILED')" },
      // Partial indexes only: an UPDATE that moves a row out of READY or RUNNING writes no entry into
      // them, which keeps the claim/complete path cheap for the database.
      { name: idx.taskPath, properties: ["taskPath"], where: "status = 'READY'" },
    ],
  });
  // The inferred schema type is huge and says `status: string`; callers work with the row interface.
  return schema as unknown as EntitySchema<DBTaskResultRow>;
}

/** The entity for the default table `errand_task_result`, entity name `DBTaskResult`. */
export const DBTaskResult: EntitySchema<DBTaskResultRow> = createTaskResultEntity(DEFAULT_TABLE_NAME);
