/**
 * InnoDB's lock errors are transient for errand: a real deadlock (1213) and a real lock wait timeout
 * (1205), provoked on the MariaDB test server, are classified as retryable (the worker retries the
 * store call that failed with them).
 */
import test from "ava";
import mysql from "mysql2/promise";
import { isTransientDatabaseError } from "../../../backends/database/transient.js";
import { freshMysql, MARIADB_URL } from "../../helpers/databases.js";

async function connect(url: string): Promise<mysql.Connection> {
  const u = new URL(url.replace(/^mariadb:/, "mysql:"));
  return mysql.createConnection({ host: u.hostname, port: Number(u.port), user: u.username, database: u.pathname.slice(1) });
}

(MARIADB_URL ? test : test.skip)("a deadlock (1213) and a lock wait timeout (1205) are transient", async (t) => {
  const db = await freshMysql("mariadb", "errand_lock");
  const [a, b] = [await connect(db.url), await connect(db.url)];
  try {
    await a.query("CREATE TABLE r (id INT PRIMARY KEY, v INT) ENGINE = InnoDB");
    await a.query("INSERT INTO r VALUES (1, 0), (2, 0)");
    // Lock wait timeout: b waits for a's row lock for 1 s.
    await a.query("START TRANSACTION");
    await a.query("UPDATE r SET v = 1 WHERE id = 1");
    await b.query("SET SESSION innodb_lock_wait_timeout = 1");
    const timeout = await t.throwsAsync(b.query("UPDATE r SET v = 2 WHERE id = 1"));
    t.is((timeout as { errno?: number }).errno, 1205);
    t.true(isTransientDatabaseError(timeout));
    await a.query("ROLLBACK");
    // Deadlock: each holds one row and asks for the other's; InnoDB rolls one back with 1213.
    await a.query("START TRANSACTION");
    await b.query("START TRANSACTION");
    await a.query("UPDATE r SET v = 1 WHERE id = 1");
    await b.query("UPDATE r SET v = 2 WHERE id = 2");
    const outcomes = await Promise.allSettled([a.query("UPDATE r SET v = 1 WHERE id = 2"), b.query("UPDATE r SET v = 2 WHERE id = 1")]);
    const deadlock = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected")?.reason as { errno?: number } | undefined;
    t.is(deadlock?.errno, 1213);
    t.true(isTransientDatabaseError(deadlock));
  } finally {
    await a.query("ROLLBACK").catch(() => undefined);
    await b.query("ROLLBACK").catch(() => undefined);
    await a.end();
    await b.end();
    await db.drop();
  }
});
