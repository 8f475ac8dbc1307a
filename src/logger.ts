import { createRequire } from "node:module";
import { pino, type DestinationStream, type Logger } from "pino";

/** How errand's own logger writes: JSON lines, or readable lines for a person at a terminal. */
export type LogFormat = "json" | "pretty";

/** The accepted values of `ERRAND_LOG_FORMAT` and `--log-format`. */
export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

/**
 * The format to use: `ERRAND_LOG_FORMAT` when set to `json` or `pretty`, else `pretty` when stderr
 * is a terminal and `json` otherwise (pipes, files, log collectors).
 */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stderr.isTTY === true): LogFormat {
  const wanted = env.ERRAND_LOG_FORMAT?.trim().toLowerCase();
  if (wanted === "json" || wanted === "pretty") return wanted;
  return isTTY ? "pretty" : "json";
}

/**
 * pino-pretty's stream writing to stderr, loaded lazily (it is only needed on a terminal), or
 * `undefined` when it is not installed: the logs then stay JSON.
 */
function prettyStream(): DestinationStream | undefined {
  try {
    const build = createRequire(import.meta.url)("pino-pretty") as (options: object) => DestinationStream;
    return build({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,name" });
  } catch {
    return undefined;
  }
}

function createLogger(format: LogFormat): Logger {
  const options = { name: "errand", level: process.env.ERRAND_LOG_LEVEL ?? "info", base: { pid: process.pid } };
  const pretty = format === "pretty" ? prettyStream() : undefined;
  return pino(options, pretty ?? pino.destination({ fd: 2, sync: true }));
}

/**
 * errand's logger: pino on stderr, as JSON lines or (on a terminal, or with `ERRAND_LOG_FORMAT=pretty`)
 * readable lines through pino-pretty when it is installed. Level from `ERRAND_LOG_LEVEL` (default
 * `info`; `silent` turns it off). Replace it with {@link setLogger} to route errand's logs into an
 * application's own pino instance.
 */
export let logger: Logger = createLogger(defaultLogFormat());

/** Makes errand log through `next` (e.g. `setLogger(appLogger.child({ module: "errand" }))`). */
export function setLogger(next: Logger): void {
  logger = next;
}

/** Rebuilds errand's own logger in `format` (what the CLI's `--log-format` does). */
export function setLogFormat(format: LogFormat): void {
  logger = createLogger(format);
}
