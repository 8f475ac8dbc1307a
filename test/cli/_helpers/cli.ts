/**
 * Runs the real `errand` binary (bin/errand.js → dist/) as a subprocess, as a user would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** The binary under test. */
export const BIN = join(ROOT, "bin", "errand.js");
/** The fixture directory, holding errand.config.ts and tasks.ts. */
export const FIXTURES = join(ROOT, "test", "fixtures", "cli");
/** The fixture config (reads ERRAND_TEST_URL). */
export const CONFIG = join(FIXTURES, "errand.config.ts");

/**
 * Fails with a clear message when the build is missing: the binary and the fixtures' `errand`
 * imports run from dist/. (`npm test` builds first.)
 */
export function assertBuilt(): void {
  const main = join(ROOT, "dist", "cli", "main.js");
  if (!existsSync(main)) throw new Error(`The CLI tests run the built binary, but ${main} is missing: run "npm run build" first.`);
}

/** What a finished run printed and returned. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli} and {@link spawnCli}. */
export interface CliOptions {
  /** Extra environment (merged over the test process's). */
  env?: Record<string, string | undefined>;
  /** Working directory. @defaultValue the fixture directory */
  cwd?: string;
  /** Kill the process after this long (the test then fails on the exit code). @defaultValue 60 s */
  timeoutMs?: number;
}

/** A running CLI process and the promise of its outcome. */
export interface CliProcess {
  child: ChildProcess;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<CliRun>;
}

/** Starts `errand <args>`; warnings-level logs keep stderr readable unless the test asks for more. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? FIXTURES,
    env: { ...process.env, ERRAND_LOG_LEVEL: "warn", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

/** Runs `errand <args>` to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return spawnCli(args, options).done;
}

/** Waits until `check()` is true, polling every 50 ms. @throws after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
