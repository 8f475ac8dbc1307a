/** DatabaseBackend OPTIONS: unknown keys, an undefined url, connection time limits, no password in messages. */
import "reflect-metadata";
import test from "ava";
import { DatabaseBackend } from "../../../backends/database/index.js";
import { pgPoolOptions } from "../../../backends/database/orm.js";
import { InvalidTaskBackendError } from "../../../src/index.js";

const make = (OPTIONS: Record<string, unknown>) => new DatabaseBackend("default", { BACKEND: DatabaseBackend, OPTIONS });

test("an unknown option is named, with a did-you-mean", (t) => {
  t.throws(() => make({ urll: "sqlite::memory:" }), {
    instanceOf: InvalidTaskBackendError,
    message: /^TASKS\.default\.OPTIONS\.urll is not an option of DatabaseBackend \(did you mean "url"\?\); known: /,
  });
  t.throws(() => make({ leaseMS: 5000 }), { message: /OPTIONS\.leaseMS is not an option of DatabaseBackend \(did you mean "leaseMs"\?\)/ });
});

test("url: undefined (an unset DATABASE_URL) is an error; only a missing key means the SQLite default", (t) => {
  t.throws(() => make({ url: process.env.ERRAND_SURELY_UNSET_VARIABLE }), {
    instanceOf: InvalidTaskBackendError,
    message: /^TASKS\.default\.OPTIONS\.url is undefined: is DATABASE_URL \(or the variable you read it from\) set\?/,
  });
  t.is(make({}).location, `SQLite file ${process.cwd()}/errand.sqlite3`);
});

test("a bad url's message hides the password", (t) => {
  const error = t.throws(() => make({ url: "mssql://app:hunter2@db/app" }));
  t.regex(error.message, /must be "sqlite:<path>", "postgresql:\/\/user:password@host:5432\/db", "mysql:\/\/user:password@host:3306\/db" or "mariadb:\/\/user:password@host:3306\/db"; got "mssql:\/\/app:\*\*\*@db\/app"/);
  t.notRegex(error.message, /hunter2/);
  t.is(make({ url: "postgresql://app:hunter2@db.internal:6543/app" }).location, "PostgreSQL at db.internal:6543/app");
  t.is(make({ url: "mysql://app:hunter2@db.internal/app" }).location, "MySQL at db.internal:3306/app");
  t.is(make({ url: "mariadb://app:hunter2@db.internal:3307/app" }).location, "MariaDB at db.internal:3307/app");
});

test("PostgreSQL connections get a connect timeout, statement and query timeouts and TCP keepalive, configurable", (t) => {
  t.deepEqual(pgPoolOptions(), {
    connectionTimeoutMillis: 10_000,
    statement_timeout: 60_000,
    query_timeout: 90_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  t.deepEqual(pgPoolOptions({ connectTimeoutMs: 500, statementTimeoutMs: 0, queryTimeoutMs: 0, keepAliveInitialDelayMs: 0 }), {
    connectionTimeoutMillis: 500,
    keepAlive: false,
  });
  t.throws(() => make({ connectTimeoutMs: -1 }), { message: /^TASKS\.default\.OPTIONS\.connectTimeoutMs must be a whole number of milliseconds >= 0/ });
  t.notThrows(() => make({ url: "postgresql://db/app", statementTimeoutMs: 5000, queryTimeoutMs: 0 }));
});

test("wakeup: a redis:// or rediss:// URL (password hidden in the message), refused on PostgreSQL", (t) => {
  t.true(make({ url: "sqlite::memory:", wakeup: "redis://127.0.0.1:6379/2" }).taskStore.capabilities.supportsNotify);
  t.true(make({ url: "mariadb://root@db/app", wakeup: "rediss://:secret@cache.internal:6380" }).taskStore.capabilities.supportsNotify);
  t.false(make({ url: "mariadb://root@db/app" }).taskStore.capabilities.supportsNotify, "without wakeup, MariaDB workers poll");
  for (const wakeup of ["http://cache:6379", "redis://", "127.0.0.1:6379", "redis://cache:6379/zero", 6379]) {
    t.throws(() => make({ url: "sqlite::memory:", wakeup }), {
      instanceOf: InvalidTaskBackendError,
      message: /^TASKS\.default\.OPTIONS\.wakeup must be a redis:\/\/ or rediss:\/\/ URL of the Redis server that carries wake-ups, e\.g\. "redis:\/\/127\.0\.0\.1:6379\/0"; got /,
    });
  }
  const hidden = t.throws(() => make({ wakeup: "redis//:hunter2@cache" }));
  t.notRegex(hidden.message, /hunter2/);
  t.throws(() => make({ url: "postgresql://app@db/app", wakeup: "redis://cache:6379" }), {
    instanceOf: InvalidTaskBackendError,
    message: "TASKS.default.OPTIONS.wakeup is for SQLite and MySQL/MariaDB: PostgreSQL already wakes workers and TaskResult.wait() with LISTEN/NOTIFY. Remove TASKS.default.OPTIONS.wakeup.",
  });
});
