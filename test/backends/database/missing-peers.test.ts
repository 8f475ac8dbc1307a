/**
 * Without MikroORM, or without the driver for the url's database, errand/backends/database gives one
 * MissingPeerError (an ErrandError) naming the exact `npm install` line (not Node's ERR_MODULE_NOT_FOUND). Runs in a child
 * process whose module resolution hides the packages.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import test from "ava";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const hidePackages = fileURLToPath(new URL("../../fixtures/hide-packages.mjs", import.meta.url));

async function run(hidden: string[], url: string, wakeup?: string): Promise<{ ok?: boolean; error?: string; name?: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--import", hidePackages, fixture("use-database-backend.ts"), url, ...(wakeup ? [wakeup] : [])],
    { env: { ...process.env, ERRAND_LOG_LEVEL: "silent", ERRAND_HIDE_PACKAGES: hidden.join(",") }, timeout: 60_000 },
  );
  return JSON.parse(stdout) as { ok?: boolean; error?: string; name?: string };
}

const dir = mkdtempSync(join(tmpdir(), "errand-db-peers-"));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test("without @mikro-orm/core: one message naming what to install", async (t) => {
  const out = await run(["@mikro-orm/core", "@mikro-orm/sqlite", "@mikro-orm/postgresql", "@mikro-orm/sql"], `sqlite:${join(dir, "a.sqlite3")}`);
  t.deepEqual(out, {
    error: "errand/backends/database needs MikroORM and its driver for your database: npm install @mikro-orm/sqlite (SQLite), npm install @mikro-orm/postgresql (PostgreSQL), npm install @mikro-orm/mysql (MySQL) or npm install @mikro-orm/mariadb (MariaDB).",
    name: "MissingPeerError",
  });
});

test("with core but without the driver: the url's driver is named", async (t) => {
  t.deepEqual(await run(["@mikro-orm/postgresql"], "postgresql://app@127.0.0.1:1/app"), {
    error: "DatabaseBackend with a postgresql:// url needs @mikro-orm/postgresql: npm install @mikro-orm/postgresql",
    name: "MissingPeerError",
  });
  t.deepEqual(await run(["@mikro-orm/sqlite"], `sqlite:${join(dir, "b.sqlite3")}`), {
    error: "DatabaseBackend with a sqlite: url needs @mikro-orm/sqlite: npm install @mikro-orm/sqlite",
    name: "MissingPeerError",
  });
  t.deepEqual(await run(["@mikro-orm/mysql"], "mysql://app@127.0.0.1:1/app"), {
    error: "DatabaseBackend with a mysql:// url needs @mikro-orm/mysql: npm install errand @mikro-orm/mysql",
    name: "MissingPeerError",
  });
  t.deepEqual(await run(["@mikro-orm/mariadb"], "mariadb://app@127.0.0.1:1/app"), {
    error: "DatabaseBackend with a mariadb:// url needs @mikro-orm/mariadb: npm install errand @mikro-orm/mariadb",
    name: "MissingPeerError",
  });
});

test("without @mikro-orm/migrations: everything works (errand applies its own migrations)", async (t) => {
  t.deepEqual(await run(["@mikro-orm/migrations"], `sqlite:${join(dir, "c.sqlite3")}`), { ok: true });
});

test("OPTIONS.wakeup without ioredis: the install line is named at first use", async (t) => {
  t.deepEqual(await run(["ioredis"], `sqlite:${join(dir, "d.sqlite3")}`, "redis://127.0.0.1:1"), {
    error: "DatabaseBackend's OPTIONS.wakeup needs ioredis: npm install ioredis",
    name: "MissingPeerError",
  });
});
