// An unreachable database: one-shot commands fail with one line naming the host; the worker retries.
import test from "ava";
import { assertBuilt, runCli, spawnCli, waitFor } from "./_helpers/cli.js";

assertBuilt();

// Port 1 on the loopback: nothing listens, so connections are refused at once.
const env = { ERRAND_TEST_URL: "postgresql://errand:secret@127.0.0.1:1/errand" };

for (const command of [["migrate"], ["migrate", "--check"], ["status"], ["status", "--json"], ["purge", "--dry-run"]]) {
  test(`errand ${command.join(" ")} on an unreachable database exits 1 with one line naming the host`, async (t) => {
    const r = await runCli(command, { env });
    t.is(r.code, 1);
    t.regex(r.stderr, /^error: Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/errand \(backend 'default'\): .*ECONNREFUSED/);
    t.is(r.stderr.trim().split("\n").length, 1, r.stderr);
    t.notRegex(r.stderr, /secret/); // the password stays out of messages
    t.is(r.stdout, "");
  });
}

test("errand worker on an unreachable database retries with back-off and says so", async (t) => {
  const worker = spawnCli(["worker"], { env });
  await waitFor(() => (worker.stderr.match(/database unavailable; retrying/g) ?? []).length >= 3, "three retry log lines");
  t.is(worker.child.exitCode, null, "the worker keeps retrying instead of exiting");
  // Nothing runs, so the first signal has nothing to wait for; the second aborts the retries.
  worker.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 200));
  worker.child.kill("SIGTERM");
  const done = await worker.done;
  t.not(done.code, null);
  t.regex(done.stderr, /"level":40.*"what":"(connect to the database|claim tasks)"/);
});
