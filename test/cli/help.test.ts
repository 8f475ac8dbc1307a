// `--help` of every command, and command-line errors: unknown commands and flags, bad values (exit 2).
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { spawnSync } from "node:child_process";
import { assertBuilt, BIN, runCli } from "./_helpers/cli.js";

assertBuilt();

test("errand --help lists the commands and shows the config shape", async (t) => {
  const r = await runCli(["--help"]);
  t.is(r.code, 0);
  for (const name of ["worker", "migrate", "status", "purge", "schedules", "cancel"]) t.regex(r.stdout, new RegExp(`^  ${name} \\[options\\]`, "m"));
  t.regex(r.stdout, /defineConfig\(\{/);
});

test("errand --version prints the package version", async (t) => {
  const r = await runCli(["--version"]);
  t.is(r.code, 0);
  t.regex(r.stdout.trim(), /^\d+\.\d+\.\d+/);
});

const commandFlags: Record<string, string[]> = {
  worker: ["--batch", "--queue <names>", "--exclude-queues <names>", "--interval <seconds>", "--max-tasks <n>", "--concurrency <n>", "--shutdown-timeout <seconds>", "--worker-id <id>", "--no-schedules"],
  migrate: ["--check"],
  status: ["--json"],
  schedules: ["--json"],
  cancel: ["--json", "<id...>"],
  purge: ["--days <n>", "--status <list>", "--batch-size <n>", "--dry-run", "--queue <name>", "--task <name>"],
};

for (const [command, flags] of Object.entries(commandFlags)) {
  test(`errand ${command} --help describes the command, its flags and examples`, async (t) => {
    const r = await runCli([command, "--help"]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`^Usage: errand ${command} \\[options\\]`));
    for (const flag of [...flags, "--backend <alias>", "--config <path>"]) t.true(r.stdout.includes(flag), `${flag} missing from:\n${r.stdout}`);
    t.regex(r.stdout, /ERRAND_CONFIG/);
    t.regex(r.stdout, new RegExp(`Examples:\\n\\s+\\$ errand ${command}`));
  });
}

const usageErrors: [string[], RegExp][] = [
  [["worker", "--interval", "-1"], /--interval must be a number of seconds >= 0; got "-1"/],
  [["worker", "--interval", "soon"], /--interval must be a number of seconds >= 0; got "soon"/],
  [["worker", "--max-tasks", "abc"], /--max-tasks must be a whole number >= 0; got "abc"/],
  [["worker", "--max-tasks", "1.5"], /--max-tasks must be a whole number >= 0; got "1.5"/],
  [["worker", "--worker-id", ""], /--worker-id must not be empty/],
  [["worker", "--worker-id", "x".repeat(65)], /--worker-id must be at most 64 characters; got 65/],
  [["worker", "--concurrency", "0"], /--concurrency must be a whole number >= 1; got "0"/],
  [["worker", "--shutdown-timeout", "-5"], /--shutdown-timeout must be a number of seconds >= 0; got "-5"/],
  [["worker", "--queue", ","], /--queue must list queue names or "\*", separated by commas; got ","/],
  [["worker", "--interval"], /option '--interval <seconds>' argument missing/],
  [["worker", "--bogus"], /unknown option '--bogus'/],
  [["worker", "extra"], /too many arguments/],
  [["purge", "--days", "-1"], /--days must be a number of days >= 0; got "-1"/],
  [["purge", "--status", "READY"], /--status must list SUCCESSFUL, FAILED and\/or CANCELLED, e\.g\. SUCCESSFUL,FAILED .*got "READY"/],
  [["purge", "--batch-size", "0"], /--batch-size must be a whole number >= 1; got "0"/],
  [["status", "--verbose"], /unknown option '--verbose'/],
  [["cancel"], /missing required argument 'id'/],
  [["frobnicate"], /unknown command 'frobnicate'/],
];

for (const [args, message] of usageErrors) {
  test(`errand ${args.map((a) => (a === "" ? '""' : a.length > 20 ? `${a.slice(0, 8)}…` : a)).join(" ")} is a usage error (exit 2)`, async (t) => {
    const r = await runCli(args);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, message);
    t.regex(r.stderr, /--help/);
    t.is(r.stdout, "");
  });
}

test("errand with no command prints the help and exits 2", async (t) => {
  const r = await runCli([]);
  t.is(r.code, 2);
  t.regex(r.stderr, /Usage: errand/);
});

test("bin/errand.js without a build says to run npm run build", (t) => {
  // A copy of the launcher in a tree that has no dist/.
  const dir = mkdtempSync(join(tmpdir(), "errand-nobuild-"));
  try {
    cpSync(BIN, join(dir, "bin", "errand.js"));
    const r = spawnSync(process.execPath, [join(dir, "bin", "errand.js"), "status"], { encoding: "utf8" });
    t.is(r.status, 1);
    t.regex(r.stderr, /main\.js is missing: run "npm run build" first/);
    t.is(r.stderr.trim().split("\n").length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
