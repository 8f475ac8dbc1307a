/**
 * Without the optional peers (`@google-cloud/tasks`, `jose`), `errand/backends/cloudtasks` still loads;
 * each missing package is named once with its install command where it is needed. Runs in a child
 * process whose module resolution hides them.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import test from "ava";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const hidePackages = fileURLToPath(new URL("../fixtures/hide-packages.mjs", import.meta.url));

test("without @google-cloud/tasks and jose: check() and enqueue name the package, the row stays READY, verifyCloudTasksOidc refuses to start", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "errand-ct-peers-"));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--import", hidePackages, fixture("without-peers.ts"), `sqlite:${join(dir, "errand.sqlite3")}`],
      { env: { ...process.env, ERRAND_LOG_LEVEL: "silent", ERRAND_HIDE_PACKAGES: "jose,@google-cloud/tasks" }, timeout: 60_000 },
    );
    const out = JSON.parse(stdout) as { problems: string[]; status: string; enqueueLog: string | null; verifyError: string | null; verifyPeer: unknown };
    t.deepEqual(out.problems, ["Backend 'default': CloudTasksBackend needs the Cloud Tasks client: npm install @google-cloud/tasks."]);
    t.is(out.status, "READY");
    t.regex(out.enqueueLog ?? "", /^CloudTasksBackend needs the Cloud Tasks client: npm install @google-cloud\/tasks/);
    t.is(out.verifyError, "verifyCloudTasksOidc needs jose to verify tokens: npm install jose");
    t.deepEqual(out.verifyPeer, { name: "MissingPeerError", packageName: "jose", feature: "verifyCloudTasksOidc" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
