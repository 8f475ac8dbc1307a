import { taskBackends } from "../config.js";
import { DEFAULT_TASK_BACKEND_ALIAS } from "../constants.js";
import { InvalidTaskBackendError } from "../errors.js";
import { isStoreBackend, type StoreBackend } from "./store.js";

/**
 * The configured backend `alias`, which must run its tasks through a store (a DatabaseBackend on
 * any dialect, or any backend implementing {@link StoreBackend}).
 * @throws InvalidTaskBackendError when the alias is unknown, or names a backend without a store
 *   (the message names the alias and the backend's class).
 */
export function resolveStoreBackend(alias: string = DEFAULT_TASK_BACKEND_ALIAS): StoreBackend {
  const backend = taskBackends.get(alias);
  if (!isStoreBackend(backend)) {
    const name = (backend as object).constructor.name;
    throw new InvalidTaskBackendError(
      `Backend '${alias}' is ${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}; workers and the task-processing functions need a DatabaseBackend or another backend that stores its tasks.`,
    );
  }
  return backend;
}
