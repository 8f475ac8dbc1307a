/**
 * The CLI's safety net around closing: a command must end even when a database connection hangs
 * (a server that accepts and never answers), so the close gets a bounded wait, after which the
 * command goes on to exit with a message instead of waiting forever.
 */
import { taskBackends } from "../src/config.js";

/** Milliseconds the CLI waits for the backends to close before giving up on them. */
export const CLOSE_TIMEOUT_MS = 5000;

/**
 * Closes every backend, waiting at most `timeoutMs`.
 * @returns `true` when they closed, `false` when the wait ran out (a note is printed on stderr; the
 *   caller exits anyway, which drops the hung connections).
 */
export async function closeBackendsBounded(timeoutMs: number = CLOSE_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const closed = await Promise.race([taskBackends.close().then(() => true, () => true), timedOut]);
    if (!closed) process.stderr.write(`errand: closing the database connections did not finish within ${timeoutMs / 1000}s; exiting without waiting for them.\n`);
    return closed;
  } finally {
    clearTimeout(timer);
  }
}
