import test from "ava";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freshSqlite } from "../helpers/databases.js";

const script = fileURLToPath(new URL("../fixtures/chaos/exit-worker.ts", import.meta.url));

test("process.exit() inside a task: the worker's last line names every task in flight", async (t) => {
  const db = freshSqlite();
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ["--import", "tsx", script], { env: { ...process.env, ERRAND_URL: db.url, ERRAND_LOG_LEVEL: "silent" }, timeout: 60_000 }, (_e, stdout, stderr) =>
        resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    t.is(code, 1);
    const [neighbour, exiter] = stdout.trim().split(" ");
    t.regex(stderr, /exiting \(code 1\) with 2 task\(s\) in flight/);
    t.true(stderr.includes(`${neighbour} (exitNeighbour)`), stderr);
    t.true(stderr.includes(`${exiter} (exitCaller)`), stderr);
  } finally {
    await db.drop();
  }
});
