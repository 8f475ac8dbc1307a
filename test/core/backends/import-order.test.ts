/**
 * The core's backends and its configuration import each other (config.ts names the built-in
 * classes; the classes import TaskResult, which looks backends up through config.ts). Whichever
 * module a program imports first, every class must be defined by the time it is used: each entry
 * is imported first in a fresh process.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import test from "ava";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const entries = ["backends/immediate/index.ts", "backends/dummy/index.ts", "src/backends/immediate-backend.ts", "src/task-result.ts", "src/config.ts", "src/index.ts"];

for (const entry of entries) {
  test(`importing ${entry} first leaves the default and named backends usable`, async (t) => {
    const script = `
      await import(${JSON.stringify(`${root}${entry}`)});
      const errand = await import(${JSON.stringify(`${root}src/index.ts`)});
      const { ImmediateBackend } = await import(${JSON.stringify(`${root}backends/immediate/index.ts`)});
      const ok = errand.DEFAULT_TASKS_CONFIG.default.BACKEND === ImmediateBackend && errand.taskBackends.default instanceof ImmediateBackend;
      errand.configureTasks({ d: { BACKEND: "DummyBackend" } });
      process.stdout.write(JSON.stringify({ ok, dummy: errand.taskBackends.get("d").constructor.name }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, timeout: 60_000 });
    t.deepEqual(JSON.parse(stdout), { ok: true, dummy: "DummyBackend" });
  });
}
