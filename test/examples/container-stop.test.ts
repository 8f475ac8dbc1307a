/**
 * The documented way to run a worker in a container or under a process manager,
 * `sh -c 'exec node_modules/.bin/errand worker'` (examples/docker), stops gracefully on SIGTERM: the
 * signal reaches errand itself, a running task finishes SUCCESSFUL, the worker exits 0. Driven by
 * events (the task is RUNNING, the worker logged the signal, the test opens the task's gate), not time.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { configureTasks, taskBackends, TaskResultStatus } from "errand";
import { DatabaseBackend } from "errand/backends/database";
import { assertBuilt, BIN, CONFIG } from "../cli/_helpers/cli.js";
import { gated } from "../fixtures/cli/tasks.js";

/** Polls `check` until it is true; the limit is a failure guard only. */
async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  for (const start = Date.now(); !(await check()); await sleep(20)) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
  }
}

test("sh -c 'exec node_modules/.bin/errand worker' finishes the running task and exits 0 on SIGTERM", async (t) => {
  assertBuilt();
  const dir = await mkdtemp(join(tmpdir(), "errand-container-stop-"));
  const url = `sqlite:${join(dir, "errand.sqlite3")}`;
  try {
    // The layout of an application that installed errand: node_modules/.bin/errand.
    await mkdir(join(dir, "node_modules", ".bin"), { recursive: true });
    await symlink(BIN, join(dir, "node_modules", ".bin", "errand"));
    configureTasks({ default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url } } });
    const gate = join(dir, "gate");
    const result = await gated.enqueue(gate);

    const child = spawn("sh", ["-c", `exec node_modules/.bin/errand worker --config ${JSON.stringify(CONFIG)}`], {
      cwd: dir,
      env: { ...process.env, ERRAND_TEST_URL: url, ERRAND_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      await until("the task to be RUNNING", async () => {
        await result.refresh();
        return result.status === TaskResultStatus.RUNNING;
      });
      // exec replaced the shell: the process the signal goes to is errand itself.
      const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, "utf8")).split("\0");
      t.true(cmdline.some((arg) => arg.endsWith("node_modules/.bin/errand")), cmdline.join(" "));

      child.kill("SIGTERM");
      await until("the worker to log the SIGTERM", () => stderr.includes("received SIGTERM"));
      await writeFile(gate, "");
      const { code, signal } = await exited;
      t.is(signal, null, stderr);
      t.is(code, 0, stderr);
      t.regex(stderr, /exit: stopped by SIGTERM/);
      await result.refresh();
      t.is(result.status, TaskResultStatus.SUCCESSFUL);
      t.is(result.returnValue, "released");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  } finally {
    await taskBackends.close();
    await rm(dir, { recursive: true, force: true });
  }
});
