import { writeSync } from "node:fs";

/**
 * While a worker runs: if the process exits under it (`process.exit()` called by a task, an
 * uncaught error), writes one line to stderr naming the tasks in flight, synchronously (an `exit`
 * listener cannot wait for the logger). Those tasks stay RUNNING until their lease expires, then run
 * again. @returns the function that removes the hook.
 */
export function installExitHook(workerId: string, inFlight: () => [id: string, task: string][]): () => void {
  const hook = (code: number) => {
    const tasks = inFlight();
    if (tasks.length === 0) return;
    const list = tasks.map(([id, name]) => `${id} (${name})`).join(", ");
    try {
      writeSync(
        2,
        `errand worker ${workerId}: the process is exiting (code ${code}) with ${tasks.length} task(s) in flight: ${list}. ` +
          "They stay RUNNING until their lease expires, then run again. If a task called process.exit(), run such code out of process.\n",
      );
    } catch {
      // stderr closed: nothing left to tell.
    }
  };
  process.on("exit", hook);
  return () => process.off("exit", hook);
}
