/**
 * The test process's own view of the task table: enqueue and read results through a
 * DatabaseBackend of the built package (the same code the CLI runs), without touching errand's
 * global configuration, so that tests in one file can use different databases concurrently.
 */
import { task } from "errand";
import { DatabaseBackend } from "errand/backends/database";
import * as fixtureTasks from "../../fixtures/cli/tasks.js";

export { fixtureTasks };

/** A task the fixture config does not list: workers with that config never claim it. */
export const ghost = task({ name: "cli.ghost" }, async () => "never runs");

let seq = 0;

/** Opens a DatabaseBackend on `url` (not migrating PostgreSQL: tests run `errand migrate`). */
export function openBackend(url: string, tableName?: string): DatabaseBackend {
  const OPTIONS = tableName === undefined ? { url } : { url, tableName };
  return new DatabaseBackend(`cli-test-${++seq}`, { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS });
}

/** Statuses of the given result ids, in order. */
export async function statuses(backend: DatabaseBackend, ids: readonly string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await backend.getResult(id)).status));
}
