// The figure: 200 concurrent enqueues with one unique key, from 4 processes, store exactly one
// task (PostgreSQL, and MariaDB through both drivers).
import test from "ava";
import { DatabaseBackend } from "../../../backends/database/index.js";
import { freshMysql, freshPostgres, MARIADB_URL, PG_URL, type TestDatabase } from "../../helpers/databases.js";
import { raceUniqueEnqueues } from "../../fixtures/unique/race.js";

const PROCESSES = 4;
const PER_PROCESS = 50;

const kinds = [
  { name: "PostgreSQL", enabled: Boolean(PG_URL), fresh: () => freshPostgres("errand_uniq") },
  { name: "MariaDB via mysql://", enabled: Boolean(MARIADB_URL), fresh: () => freshMysql("mysql", "errand_uniq") },
  { name: "MariaDB via mariadb://", enabled: Boolean(MARIADB_URL), fresh: () => freshMysql("mariadb", "errand_uniq") },
];

for (const kind of kinds) {
  (kind.enabled ? test.serial : test.skip)(`${kind.name}: ${PROCESSES} processes × ${PER_PROCESS} concurrent enqueues with one uniqueKey store one task`, async (t) => {
    t.timeout(120_000);
    const db: TestDatabase = await kind.fresh();
    const backend = new DatabaseBackend("default", { BACKEND: DatabaseBackend, OPTIONS: { url: db.url } });
    try {
      await backend.migrate();
      const ids = await raceUniqueEnqueues({ store: "database", url: db.url, key: "the-one", processes: PROCESSES, perProcess: PER_PROCESS });
      t.is(ids.length, PROCESSES * PER_PROCESS);
      t.is(new Set(ids).size, 1, "every enqueue got the one task's id");
      t.is(await backend.taskStore.count({ taskPath: "unique.race" }), 1);
      t.is((await backend.taskStore.get(ids[0]!))?.status, "READY");
    } finally {
      await backend.close();
      await db.drop();
    }
  });
}
