/**
 * `errand worker --reload` in a temporary project: a change to a task module restarts the worker
 * gracefully, and the next task runs the new code. The warning not to use it in production is printed.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { isWatchedFile } from "../../cli/watch-files.js";
import { ROOT, spawnCli, waitFor } from "./_helpers/cli.js";

const project = mkdtempSync(join(tmpdir(), "errand-reload-"));
const dataDir = mkdtempSync(join(tmpdir(), "errand-reload-db-"));
const url = `sqlite:${join(dataDir, "errand.sqlite3")}`;
/** The test's side of the task: only its name matters here (the worker runs the project's code). */
const greet = task({ name: "reload.greet" }, () => "enqueued by the test");

function writeTasks(version: string): void {
  writeFileSync(join(project, "tasks.ts"), `import { task } from "errand";\nexport const greet = task({ name: "reload.greet" }, () => "${version}");\n`);
}

test.before(() => {
  mkdirSync(join(project, "node_modules"));
  symlinkSync(ROOT, join(project, "node_modules", "errand"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(
    join(project, "errand.config.ts"),
    `import { defineConfig } from "errand";
import { DatabaseBackend } from "errand/backends/database";
import { greet } from "./tasks.js";
export default defineConfig({
  TASKS: { default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: process.env.RELOAD_DB_URL!, autoMigrate: true } } },
  tasks: [greet],
});
`,
  );
  writeTasks("v1");
  configureTasks({ default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url, autoMigrate: true } } });
});
test.after.always(async () => {
  await taskBackends.close();
  rmSync(project, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function runsAndReturns(): Promise<unknown> {
  const result = await greet.enqueue();
  await waitFor(async () => (await result.refresh(), result.isFinished), "the task to finish");
  return result.returnValue;
}

test.serial("a changed task module restarts the worker, and the next task runs the new code", async (t) => {
  const cli = spawnCli(["worker", "--reload", "--interval", "0.1"], {
    cwd: project,
    env: { RELOAD_DB_URL: url, ERRAND_LOG_LEVEL: "info", ERRAND_LOG_FORMAT: "json" },
  });
  const starts = () => cli.stderr.split("\n").filter((l) => l.includes('"msg":"worker starting"')).length;
  try {
    t.regex(await firstLine(cli), /^WARNING: errand worker --reload: .*never use --reload in production/);
    t.is(await runsAndReturns(), "v1");
    t.is(starts(), 1);

    writeTasks("v2");
    await waitFor(() => starts() === 2, "the worker to restart");
    t.regex(cli.stderr, /tasks\.ts changed: restarting the worker/);
    t.regex(cli.stderr, /"msg":"worker stopped"/, "the first worker stopped gracefully");
    t.is(await runsAndReturns(), "v2");

    // Data files in the project (a SQLite database, logs) do not restart it.
    writeFileSync(join(project, "notes.log"), "x");
    writeFileSync(join(project, "tasks.ts.swp"), "x");
    t.is(starts(), 2);
  } finally {
    cli.child.kill("SIGTERM");
  }
  const done = await cli.done;
  t.is(done.code, 0, done.stderr);
  t.regex(done.stderr, /received SIGTERM: stopping the worker/);
});

test("only code files outside node_modules, dist and hidden directories are watched", (t) => {
  for (const f of ["tasks.ts", "src/a/b.mjs", "errand.config.js", "package.json"]) t.true(isWatchedFile(f), f);
  for (const f of ["node_modules/x/index.js", "dist/cli/main.js", ".git/HEAD", ".cache/a.ts", "errand.sqlite3", "errand.sqlite3-wal", "notes.log"]) t.false(isWatchedFile(f), f);
});

/** The first line the CLI wrote to stderr. */
async function firstLine(cli: { readonly stderr: string }): Promise<string> {
  await waitFor(() => cli.stderr.includes("\n"), "the first line");
  return cli.stderr.split("\n", 1)[0] ?? "";
}
