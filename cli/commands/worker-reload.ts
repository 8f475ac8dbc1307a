/**
 * `errand worker --reload`, for development (django-tasks' `db_worker --reload`): this process runs
 * no tasks itself; it runs `errand worker` (the same arguments, minus `--reload`) as a child process,
 * and when a code file under the config's directory changes, stops the child gracefully (SIGTERM:
 * running tasks finish, as on any stop) and starts a new one, which loads the changed code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname } from "node:path";
import { findConfigFile } from "../load-config.js";
import { watchFiles } from "../watch-files.js";

/** Set in the child's environment: it stops when the supervisor goes away (see {@link stopWhenOrphaned}). */
export const SUPERVISED_ENV = "ERRAND_RELOAD_SUPERVISED";

/** Changes closer together than this restart the worker once. */
const DEBOUNCE_MS = 200;

export const RELOAD_WARNING =
  "errand worker --reload: restarting the worker whenever a code file changes. This is for development only: " +
  "never use --reload in production (a restart waits for running tasks, and watching files costs resources).";

function say(line: string): void {
  process.stderr.write(`errand worker --reload: ${line}\n`);
}

/**
 * Supervises `errand worker` until SIGINT/SIGTERM (forwarded to the child: a first one lets running
 * tasks finish, a second aborts them).
 * @param config - `--config` as given (or `undefined`: the working directory's config file).
 * @returns the exit code of the last child.
 * @throws CliError when no config file is found.
 */
export async function superviseWorker(config: string | undefined, argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const root = dirname(findConfigFile(config));
  process.stderr.write(`WARNING: ${RELOAD_WARNING}\n`);
  const args = [...process.execArgv, process.argv[1] ?? "", ...argv.filter((a) => a !== "--reload")];
  let child: ChildProcess | undefined;
  let stopping = false;
  let restartPending = false;
  let lastCode = 0;
  let finished: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finished = resolve));

  const start = () => {
    // Its own process group: a terminal's Ctrl-C reaches only this process, which forwards it once.
    const c = spawn(process.execPath, args, { stdio: ["inherit", "inherit", "inherit", "ipc"], detached: true, env: { ...process.env, [SUPERVISED_ENV]: "1" } });
    child = c;
    c.on("exit", (code, signal) => {
      child = undefined;
      lastCode = code ?? (signal ? 1 : 0);
      if (stopping) return finished(lastCode);
      if (restartPending) {
        restartPending = false;
        return start();
      }
      say(`the worker exited (${signal ?? `code ${code}`}); waiting for a file change to start it again`);
    });
  };

  let timer: NodeJS.Timeout | undefined;
  const stopWatching = watchFiles(root, (file) => {
    if (stopping) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      say(`${file} changed: restarting the worker (running tasks finish first)`);
      if (child) {
        restartPending = true;
        child.kill("SIGTERM");
      } else start();
    }, DEBOUNCE_MS);
  });

  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) say(`received ${signal}: stopping the worker`);
    stopping = true;
    clearTimeout(timer);
    stopWatching();
    if (child) child.kill(signal);
    else finished(lastCode);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  say(`watching ${root} (not node_modules, dist or hidden directories)`);
  start();
  try {
    return await done;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * In a worker started by {@link superviseWorker}: calls `stop` when the supervisor's IPC channel
 * closes (it was killed without forwarding a signal), so no orphaned worker keeps running.
 */
export function stopWhenOrphaned(stop: () => void): void {
  if (process.env[SUPERVISED_ENV] !== "1" || !process.channel) return;
  process.once("disconnect", stop);
  // The channel alone must not keep the worker alive once it has stopped.
  process.channel.unref();
}
