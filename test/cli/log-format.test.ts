/** The worker's log lines: JSON when stderr is not a terminal; readable lines when asked for. */
import test from "ava";
import { assertBuilt, runCli } from "./_helpers/cli.js";
import { createSqliteDatabase } from "./_helpers/databases.js";

assertBuilt();

test("not on a terminal, the worker logs JSON lines", async (t) => {
  const db = createSqliteDatabase();
  try {
    const r = await runCli(["worker", "--batch"], { env: { ERRAND_TEST_URL: db.url, ERRAND_LOG_LEVEL: "info", ERRAND_LOG_FORMAT: undefined } });
    t.is(r.code, 0, r.stderr);
    const logLines = r.stderr.split("\n").filter((l) => l.startsWith("{"));
    t.true(logLines.length > 0, r.stderr);
    for (const line of logLines) t.is((JSON.parse(line) as { name?: string }).name, "errand");
  } finally {
    await db.drop();
  }
});

test("--log-format pretty (or ERRAND_LOG_FORMAT=pretty) prints readable lines (pino-pretty, a dependency)", async (t) => {
  const db = createSqliteDatabase();
  try {
    for (const options of [{ args: ["--log-format", "pretty"], env: {} }, { args: [], env: { ERRAND_LOG_FORMAT: "pretty" } }]) {
      const r = await runCli(["worker", "--batch", ...options.args], { env: { ERRAND_TEST_URL: db.url, ERRAND_LOG_LEVEL: "info", ...options.env } });
      t.is(r.code, 0, r.stderr);
      t.regex(r.stderr, /INFO.*: /);
      t.false(r.stderr.split("\n").some((l) => l.startsWith("{")), r.stderr);
    }
  } finally {
    await db.drop();
  }
});

test("--log-format rejects anything but pretty or json", async (t) => {
  const r = await runCli(["worker", "--log-format", "xml"]);
  t.is(r.code, 2);
  t.regex(r.stderr, /Allowed choices are json, pretty/);
});
