import type { BaseTaskBackend } from "./backends/base.js";

/**
 * The one indirection between task results and the backend configuration: `config.ts` installs
 * the lookup, so that `TaskResult` and `Task` can find a backend by alias without importing the
 * configuration module (which imports the built-in backends, which import `TaskResult`).
 */
let lookup: ((alias: string) => BaseTaskBackend) | undefined;

/** Installs the alias → backend lookup (done once by the configuration module). */
export function setBackendLookup(fn: (alias: string) => BaseTaskBackend): void {
  lookup = fn;
}

/** The configured backend for `alias`. @throws InvalidTaskBackendError for an unknown alias. */
export function lookupBackend(alias: string): BaseTaskBackend {
  if (!lookup) throw new Error("errand's configuration module was not loaded; import from 'errand'");
  return lookup(alias);
}
