// Finding and loading the config file, and its errors (exit 1, with clear messages).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { assertBuilt, CONFIG, FIXTURES, runCli } from "./_helpers/cli.js";

assertBuilt();

const broken = (name: string) => join(FIXTURES, "broken", name);
let dir: string;
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "errand-cli-config-"));
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh SQLite URL, so the commands that reach the database have one of their own. */
const sqliteEnv = (name: string) => ({ ERRAND_TEST_URL: `sqlite:${join(dir, `${name}.sqlite3`)}` });

test("the config is found in the working directory (errand.config.ts)", async (t) => {
  const r = await runCli(["status", "--json"], { cwd: FIXTURES, env: sqliteEnv("cwd") });
  t.is(r.code, 0, r.stderr);
  t.is(JSON.parse(r.stdout).backend, "default");
});

test("--config takes a path relative to the working directory", async (t) => {
  const r = await runCli(["status", "--json", "--config", "test/fixtures/cli/errand.config.ts"], { cwd: join(FIXTURES, "..", "..", ".."), env: sqliteEnv("relative") });
  t.is(r.code, 0, r.stderr);
});

test("ERRAND_CONFIG names the config when --config is absent", async (t) => {
  const r = await runCli(["status", "--json"], { cwd: dir, env: { ...sqliteEnv("env"), ERRAND_CONFIG: CONFIG } });
  t.is(r.code, 0, r.stderr);
});

test("no config file: the names looked for and --config are in the message", async (t) => {
  const r = await runCli(["worker", "--batch"], { cwd: dir, env: { ERRAND_CONFIG: undefined } });
  t.is(r.code, 1);
  t.regex(r.stderr, /No errand config file in .*: looked for errand\.config\.ts, errand\.config\.mts, errand\.config\.js, errand\.config\.mjs\. .*--config PATH/);
  t.notRegex(r.stderr, /\n\s+at /); // no stack trace
});

test("--config naming a missing file says which path", async (t) => {
  const r = await runCli(["status", "--config", "missing.config.ts"], { cwd: dir });
  t.is(r.code, 1);
  t.regex(r.stderr, /Config file not found: .*missing\.config\.ts/);
});

test("a config that throws on import: the error with the file name", async (t) => {
  const r = await runCli(["worker", "--batch", "--config", broken("throws.config.ts")]);
  t.is(r.code, 1);
  t.regex(r.stderr, /Could not load the config file .*throws\.config\.ts: Error: boom from the fixture config/);
});

test("a config with a syntax error: the file name and esbuild's message", async (t) => {
  const file = join(dir, "syntax.config.ts");
  writeFileSync(file, "export default {{ tasks: [] };\n");
  const r = await runCli(["status", "--config", file]);
  t.is(r.code, 1);
  t.regex(r.stderr, /Could not load the config file .*syntax\.config\.ts: /);
});

test("a default export without a tasks array: the expected shape with defineConfig", async (t) => {
  const r = await runCli(["status", "--config", broken("wrong-export.config.ts")]);
  t.is(r.code, 1);
  t.regex(r.stderr, /wrong-export\.config\.ts: its default export has no "tasks" array \(an object with keys TASKS, jobs\)\. Expected:/);
  t.regex(r.stderr, /export default defineConfig\(\{[\s\S]*tasks: \[sendWelcomeEmail\]/);
});

test("a config without a default export", async (t) => {
  const file = join(dir, "no-default.config.mjs");
  writeFileSync(file, "export const tasks = [];\n");
  const r = await runCli(["status", "--config", file]);
  t.is(r.code, 1);
  t.regex(r.stderr, /no-default\.config\.mjs: it has no default export\. Expected:/);
});

test("something that is not a task in tasks", async (t) => {
  const r = await runCli(["worker", "--batch", "--config", broken("not-a-task.config.mjs")]);
  t.is(r.code, 1);
  t.regex(r.stderr, /tasks\[0\] is not a task \(a function named "notATask"\)/);
});

test("a config that loads a second copy of errand is refused with an explanation", async (t) => {
  const r = await runCli(["worker", "--batch", "--config", broken("duplicate-errand.config.ts")]);
  t.is(r.code, 1);
  t.regex(r.stderr, /tasks\[0\] \(cli\.duplicated\) comes from a different copy of errand than this CLI/);
  t.regex(r.stderr, /the worker would see no tasks/);
});

test("a backend that is not a DatabaseBackend is named", async (t) => {
  for (const command of [["worker", "--batch"], ["status"], ["migrate"], ["purge"]]) {
    const r = await runCli([...command, "--config", broken("immediate.config.ts")]);
    t.is(r.code, 1, command.join(" "));
    t.regex(r.stderr, /Backend 'default' is an ImmediateBackend; .*need a DatabaseBackend/);
  }
});

test("--backend naming an alias the config does not have", async (t) => {
  const r = await runCli(["status", "--backend", "nope"], { env: sqliteEnv("alias") });
  t.is(r.code, 1);
  t.regex(r.stderr, /The connection 'nope' doesn't exist\./);
});
