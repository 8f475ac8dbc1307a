/** The frame of the one-shot commands: load the config, find the backend, run, report, close. */
import { resolveStoreBackend, type StoreBackend } from "../src/worker/index.js";
import { closeBackendsBounded } from "./close-backends.js";
import type { CommonOptions } from "./common-options.js";
import { toCliError } from "./store-errors.js";
import { CliError } from "./errors.js";
import { loadConfig, type LoadedConfig } from "./load-config.js";

/**
 * Loads the config (applying its TASKS), resolves `--backend` to a store backend (any backend whose
 * tasks are kept in a store) and runs `fn` with it. Failures become one-line {@link CliError}s naming the store; the backends are closed
 * afterwards either way (with a bounded wait), so no pool keeps the process alive.
 */
export async function withConfiguredBackend<T>(
  options: CommonOptions,
  fn: (backend: StoreBackend, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  let backend: StoreBackend | undefined;
  try {
    const loaded = await loadConfig(options.config);
    try {
      backend = resolveStoreBackend(options.backend);
    } catch (error) {
      throw new CliError(`${loaded.path}: ${(error as Error).message}`, { cause: error });
    }
    return await fn(backend, loaded);
  } catch (error) {
    throw toCliError(error, backend);
  } finally {
    await closeBackendsBounded();
  }
}
