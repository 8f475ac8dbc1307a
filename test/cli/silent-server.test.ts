/**
 * A database host that accepts connections and never answers (a black hole): every command prints a
 * clear error and exits non-zero, and SIGTERM to a worker stuck connecting ends it.
 */
import { createServer, type Server, type Socket } from "node:net";
import test from "ava";
import { assertBuilt, runCli, spawnCli, waitFor } from "./_helpers/cli.js";

assertBuilt();

let server: Server;
const sockets = new Set<Socket>();
let env: Record<string, string>;

test.before(async () => {
  server = createServer((socket) => {
    sockets.add(socket); // hold it open, say nothing
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  env = { ERRAND_TEST_URL: `postgresql://errand:secret@127.0.0.1:${port}/errand` };
});

test.after.always(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

for (const command of [["status"], ["migrate"]]) {
  test(`errand ${command.join(" ")} against a silent server exits 1 with a connect error`, async (t) => {
    const r = await runCli(command, { env, timeoutMs: 90_000 });
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, /^error: Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/errand \(backend 'default'\): .*timeout/m);
    t.notRegex(r.stderr, /secret/);
  });
}

test("errand worker against a silent server logs the connect timeout, and SIGTERM ends it", async (t) => {
  const worker = spawnCli(["worker"], { env, timeoutMs: 90_000 });
  await waitFor(() => /database unavailable; retrying.*timeout|timeout.*database unavailable; retrying/.test(worker.stderr), "a retry log line naming the timeout", 60_000);
  worker.child.kill("SIGTERM");
  const done = await worker.done;
  t.is(done.signal, null, "it exited by itself, not by the test's SIGKILL");
  t.not(done.code, null);
});
