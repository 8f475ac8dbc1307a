/**
 * A PostgreSQL database that was never migrated, or does not exist: every command exits with one
 * clear line (it used to hang forever in `errand status`), and errand creates no database.
 */
import { randomBytes } from "node:crypto";
import test from "ava";
import pg from "pg";
import { assertBuilt, runCli } from "./_helpers/cli.js";
import { createPgDatabase, PG_URL, type TestDatabase } from "./_helpers/databases.js";

assertBuilt();

const pgUrl = PG_URL;
if (pgUrl) {
  let db: TestDatabase;
  test.before(async () => {
    db = await createPgDatabase();
  });
  test.after.always(async () => db?.drop());

  for (const command of [["status"], ["status", "--json"], ["worker", "--batch"], ["purge", "--dry-run"]]) {
    test(`errand ${command.join(" ")} on an unmigrated database exits 1: run "errand migrate"`, async (t) => {
      const r = await runCli(command, { env: { ERRAND_TEST_URL: db.url }, timeoutMs: 90_000 });
      t.is(r.code, 1, r.stderr);
      const { port, pathname } = new URL(db.url);
      t.regex(r.stderr, new RegExp(`^error: The task table does not exist in PostgreSQL at 127\\.0\\.0\\.1:${port}${pathname}: run "errand migrate"`, "m"));
    });
  }

  test("errand migrate on a database that does not exist names it, exits 1 and creates nothing", async (t) => {
    const name = `errand_cli_nope_${randomBytes(4).toString("hex")}`;
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    const r = await runCli(["migrate"], { env: { ERRAND_TEST_URL: url.toString() }, timeoutMs: 90_000 });
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, new RegExp(`^error: The database does not exist: PostgreSQL at 127\\.0\\.0\\.1:${url.port}/${name}\\. errand never creates databases`));
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      t.is((await admin.query("select 1 from pg_database where datname = $1", [name])).rows.length, 0);
    } finally {
      await admin.end();
    }
  });
} else {
  test.skip("unmigrated PostgreSQL (set ERRAND_TEST_PG_URL to run)", () => {});
}
