/** `errand worker`: claim and run the config's tasks until stopped (or, with `--batch`, until drained). */
import { Option, type Command } from "commander";
import { LOG_FORMATS, logger, setLogFormat, type LogFormat } from "../../src/logger.js";
import { resolveStoreBackend, Worker, type WorkerSummary } from "../../src/worker/index.js";
import { closeBackendsBounded } from "../close-backends.js";
import { backendOption, configOption, type CommonOptions } from "../common-options.js";
import { toCliError } from "../store-errors.js";
import { CliError } from "../errors.js";
import { loadConfig } from "../load-config.js";
import { stopWhenOrphaned, superviseWorker } from "./worker-reload.js";
import { nameList, nonEmptyString, numberAtLeast, wholeNumberAtLeast } from "../parse-options.js";

interface WorkerCliOptions extends CommonOptions {
  batch?: boolean;
  queue?: string[];
  excludeQueues?: string[];
  interval: number;
  maxTasks: number;
  workerId?: string;
  concurrency: number;
  prefetch: number;
  shutdownTimeout: number;
  logFormat?: LogFormat;
  /** `--no-schedules` sets false. */
  schedules: boolean;
  reload?: boolean;
}

const REASONS: Record<WorkerSummary["reason"], string> = {
  drained: "nothing left to do (--batch)",
  "max-tasks": "reached --max-tasks",
  stopped: "stopped",
};

/** The one-line human summary printed on stderr at exit (the JSON logs say the same for machines). */
export function formatWorkerSummary(workerId: string, s: WorkerSummary, signal?: string): string {
  const reason = s.reason === "stopped" && signal ? `stopped by ${signal}` : REASONS[s.reason];
  // Only a shutdown interrupts attempts: named when it happened, so the usual line stays short.
  const interrupted = (s.interrupted > 0 ? `, ${s.interrupted} interrupted` : "") + (s.cancelled > 0 ? `, ${s.cancelled} cancelled` : "");
  return (
    `errand worker ${workerId}: processed ${s.processed} task(s) in ${(s.durationMs / 1000).toFixed(1)}s ` +
    `(${s.succeeded} succeeded, ${s.failed} failed, ${s.retried} retried${interrupted}); exit: ${reason}.`
  );
}

/** Milliseconds the worker may take to stop after a signal, beyond its running tasks' shutdown timeout. */
const STOP_GRACE_MS = 5000;

/**
 * SIGINT/SIGTERM: the first asks the worker to stop claiming and let running tasks finish, the
 * second aborts them (their signals fire and they return to READY), a third exits at once in case
 * something hangs. Returns the function that removes the handlers, and the first signal's name.
 */
function handleSignals(worker: Worker, shutdownTimeoutMs: number): { remove: () => void; first: () => string | undefined } {
  let count = 0;
  let first: string | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let graceMs = STOP_GRACE_MS;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    first ??= signal;
    // The signal always wins: if stopping itself hangs (a connection that never answers), exit anyway
    // once running tasks had their shutdown timeout (at once-ish when nothing runs).
    deadline ??= setTimeout(
      () => {
        process.stderr.write(`errand worker ${worker.id}: still not stopped ${Math.round(graceMs / 1000)}s after ${signal} (waiting on the database?); exiting now.\n`);
        process.exit(1);
      },
      (graceMs = worker.runningCount > 0 ? shutdownTimeoutMs + STOP_GRACE_MS : STOP_GRACE_MS),
    ).unref();
    if (count === 1) logger.info({ workerId: worker.id, signal, running: worker.runningCount }, `received ${signal}: finishing running tasks, then exiting (send again to abort them)`);
    else if (count === 2) logger.warn({ workerId: worker.id, signal }, `received ${signal} again: aborting running tasks`);
    else {
      logger.error({ workerId: worker.id, signal }, `received ${signal} a third time: exiting now`);
      process.exit(130);
    }
    worker.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    remove: () => {
      clearTimeout(deadline);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
    first: () => first,
  };
}

async function run(options: WorkerCliOptions): Promise<void> {
  if (options.reload) {
    const code = await superviseWorker(options.config);
    // The worker already said why (its own error or summary line).
    if (code !== 0) throw new CliError(`the worker exited with code ${code}`);
    return;
  }
  let backend;
  if (options.logFormat !== undefined) setLogFormat(options.logFormat);
  try {
    const { config } = await loadConfig(options.config);
    backend = resolveStoreBackend(options.backend);
    const worker = new Worker({
      backend: options.backend,
      tasks: config.tasks,
      queues: options.queue ?? "*",
      excludeQueues: options.excludeQueues ?? [],
      intervalMs: options.interval * 1000,
      maxTasks: options.maxTasks,
      batch: options.batch ?? false,
      concurrency: options.concurrency,
      prefetch: options.prefetch,
      shutdownTimeoutMs: options.shutdownTimeout * 1000,
      periodic: config.periodic,
      scheduling: options.schedules,
      ...(options.workerId !== undefined && { workerId: options.workerId }),
    });
    const signals = handleSignals(worker, options.shutdownTimeout * 1000);
    stopWhenOrphaned(() => worker.stop());
    try {
      const summary = await worker.run();
      process.stderr.write(`${formatWorkerSummary(worker.id, summary, signals.first())}\n`);
    } finally {
      signals.remove();
    }
  } catch (error) {
    throw toCliError(error, backend);
  } finally {
    await closeBackendsBounded();
  }
}

/** Adds `worker` to the program. */
export function registerWorkerCommand(program: Command): Command {
  return program
    .command("worker")
    .summary("run tasks from the database")
    .description(
      "Claim and run tasks of a DatabaseBackend: exactly the tasks listed in the config's `tasks`. " +
        "Runs until SIGINT/SIGTERM (running tasks finish; a second signal aborts them), or with --batch " +
        "until nothing is due. Logs go to stderr: readable lines on a terminal, JSON lines otherwise " +
        "(--log-format or ERRAND_LOG_FORMAT; level: ERRAND_LOG_LEVEL, default info).",
    )
    .option("--batch", "run what is due, then exit (drain) instead of waiting for more")
    .option("--queue <names>", 'only these queues, comma-separated, or "*" for all (default: all)', nameList("--queue", 'queue names or "*"'))
    .option("--exclude-queues <names>", "never these queues, comma-separated", nameList("--exclude-queues", "queue names"))
    .option("--interval <seconds>", "poll interval when idle", numberAtLeast("--interval", 0, "seconds"), 1)
    .option("--max-tasks <n>", "exit after claiming this many tasks (0: no limit)", wholeNumberAtLeast("--max-tasks", 0), 0)
    .option("--concurrency <n>", "tasks run at once in this process", wholeNumberAtLeast("--concurrency", 1), 1)
    .option(
      "--prefetch <n>",
      "tasks claimed ahead of free slots and held leased in a local buffer (faster under heavy load; later higher-priority tasks wait behind them)",
      wholeNumberAtLeast("--prefetch", 0),
      0,
    )
    .option("--shutdown-timeout <seconds>", "on SIGINT/SIGTERM, how long running tasks may finish before they are aborted", numberAtLeast("--shutdown-timeout", 0, "seconds"), 30)
    .addOption(
      new Option("--log-format <format>", "log lines: pretty (readable; the default on a terminal) or json (the default otherwise)")
        .choices(LOG_FORMATS)
        .env("ERRAND_LOG_FORMAT"),
    )
    .option("--no-schedules", "do not enqueue the config's periodic tasks from this worker (by default every worker does; each slot still runs once)")
    .option("--reload", "development only: restart the worker when a code file under the config's directory changes (never in production)")
    .option("--worker-id <id>", "this worker's id, recorded on each attempt (default: <host>:<pid>:<random>)", nonEmptyString("--worker-id", 64))
    .addOption(backendOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Examples:
  $ errand worker                                   run tasks until stopped (SIGINT/SIGTERM)
  $ errand worker --batch                           run everything that is due, then exit (no scheduling)
  $ errand worker --no-schedules                    run tasks, leave periodic slots to other workers
  $ errand worker --queue emails,reports --concurrency 8
  $ errand worker --concurrency 24 --prefetch 500     # highest throughput
  $ errand worker --exclude-queues slow --interval 0.5 --max-tasks 1000
  $ ERRAND_CONFIG=deploy/errand.config.ts errand worker --worker-id web-1
  $ errand worker --reload                          development: restart on code changes (never in production)`,
    )
    .action((options: WorkerCliOptions) => run(options));
}
