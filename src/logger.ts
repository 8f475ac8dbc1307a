import { pino, type Logger } from "pino";

/**
 * errand's logger: pino, JSON lines on stderr. Level from `ERRAND_LOG_LEVEL` (default `info`;
 * `silent` turns it off). Replace it with {@link setLogger} to route errand's logs into an
 * application's own pino instance.
 */
export let logger: Logger = pino(
  { name: "errand", level: process.env.ERRAND_LOG_LEVEL ?? "info", base: { pid: process.pid } },
  pino.destination({ fd: 2, sync: true }),
);

/** Makes errand log through `next` (e.g. `setLogger(appLogger.child({ module: "errand" }))`). */
export function setLogger(next: Logger): void {
  logger = next;
}
