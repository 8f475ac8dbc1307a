import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MikroORM } from "@mikro-orm/sqlite";
import { configureTasks, container, task, taskBackends, TaskResultDoesNotExistError } from "../../../src/index.js";
import { DatabaseBackend, DBTaskResult, processTasks } from "../../../backends/database/index.js";

const shared = task(function sharedOrmTask(n: number) {
  return n * 2;
});

const dir = mkdtempSync(join(tmpdir(), "errand-shared-"));
let orm: MikroORM;

test.before(async () => {
  // The application's own ORM: its entities include DBTaskResult, its migrator knows nothing of errand.
  orm = await MikroORM.init({ dbName: join(dir, "app.sqlite3"), entities: [DBTaskResult], allowGlobalContext: true });
});

test.after.always(async () => {
  await taskBackends.close();
  await orm.close();
  rmSync(dir, { recursive: true, force: true });
});

test.serial("OPTIONS.orm: errand applies its own migrations through the application's ORM, once", async (t) => {
  configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { orm, autoMigrate: false } } });
  const backend = taskBackends.default as DatabaseBackend;
  t.deepEqual(await backend.pendingMigrations(), ["Migration20261121000000_initial", "Migration20261129000000_periodic_slots", "Migration20261129400000_metadata", "Migration20261129410000_unique_tasks", "Migration20261129500000_trace_context", "Migration20261129510000_limits", "Migration20261130100000_id_collation"]);
  t.deepEqual(await backend.migrate(), ["Migration20261121000000_initial", "Migration20261129000000_periodic_slots", "Migration20261129400000_metadata", "Migration20261129410000_unique_tasks", "Migration20261129500000_trace_context", "Migration20261129510000_limits", "Migration20261130100000_id_collation"]);
  t.deepEqual(await backend.migrate(), []);
  t.deepEqual(await backend.check(), []);
  const result = await shared.enqueue(21);
  await processTasks({ tasks: [shared] });
  await result.refresh();
  t.is(result.returnValue, 42);
});

test.serial("OPTIONS.orm: enqueue inside the application's transaction rolls back with it", async (t) => {
  let id = "";
  await t.throwsAsync(
    orm.em.fork().transactional(async () => {
      id = (await shared.enqueue(1)).id;
      throw new Error("rollback");
    }),
  );
  await t.throwsAsync(taskBackends.default.getResult(id), { instanceOf: TaskResultDoesNotExistError });
});

test.serial("a MikroORM registered in the container under the driver package's class is used", async (t) => {
  container.register(MikroORM, { useValue: orm });
  configureTasks({ default: { BACKEND: DatabaseBackend } });
  const backend = taskBackends.default as DatabaseBackend;
  t.is(await backend.getOrm(), orm as never);
  t.deepEqual(await backend.migrate(), [], "already migrated in the first test");
  container.clearInstances();
});
