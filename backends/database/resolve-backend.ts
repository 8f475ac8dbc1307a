import { taskBackends } from "../../src/config.js";
import { DEFAULT_TASK_BACKEND_ALIAS } from "../../src/constants.js";
import { InvalidTaskBackendError } from "../../src/errors.js";
import { DatabaseBackend } from "./database-backend.js";

/**
 * The configured backend `alias`, which must be a {@link DatabaseBackend} (or a subclass).
 * @throws InvalidTaskBackendError when the alias is unknown or names another kind of backend.
 */
export function resolveDatabaseBackend(alias: string = DEFAULT_TASK_BACKEND_ALIAS): DatabaseBackend {
  const backend = taskBackends.get(alias);
  if (!(backend instanceof DatabaseBackend)) {
    throw new InvalidTaskBackendError(
      `Backend '${alias}' is ${/^[AEIOU]/.test(backend.constructor.name) ? "an" : "a"} ${backend.constructor.name}; workers and the task-processing functions need a DatabaseBackend.`,
    );
  }
  return backend;
}
