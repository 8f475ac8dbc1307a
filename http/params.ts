/** Request parameters shared by the endpoints, checked with django-database-task's messages. */
import type { TaskMetadata } from "../src/task-metadata.js";
import type { TaskResult } from "../src/task-result.js";
import { resolveStoreBackend, type StoreBackend } from "../src/worker/index.js";
import { BadRequestError } from "./body.js";

/**
 * The store backend named by `backend_name` (or the app's default): any backend whose tasks are
 * kept in a store (`isStoreBackend`), whichever store that is.
 * @throws BadRequestError `"Invalid backend name"` for an unknown alias, or a backend without a store.
 */
export function backendParam(value: unknown, fallback: string): StoreBackend {
  if (value === undefined || value === null) value = fallback;
  if (typeof value !== "string") throw new BadRequestError("Invalid backend name");
  try {
    return resolveStoreBackend(value);
  } catch {
    throw new BadRequestError("Invalid backend name");
  }
}

/** Whether a string holds a NUL character, which neither database accepts in text. */
export function hasNul(text: string): boolean {
  return text.includes("\u0000");
}

/**
 * An optional string parameter (`queue_name`, `task_path`); `null`/absent give `undefined`.
 * @throws BadRequestError when it is present but not a string, or holds a NUL character.
 */
export function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new BadRequestError(`${name} must be a string`);
  if (hasNul(value)) throw new BadRequestError(`${name} must not contain NUL characters`);
  return value;
}

/** A query-string flag: true only for `"true"` (any case), as in django-database-task. */
export function queryFlag(value: string | undefined): boolean {
  return (value ?? "").toLowerCase() === "true";
}

/** `{ id, status, task_path, metadata }`, the result shape of every endpoint (`metadata`: the task's, `{}` when none). */
export function resultJson(result: TaskResult<unknown>): { id: string; status: string; task_path: string; metadata: TaskMetadata } {
  return { id: result.id, status: result.status, task_path: result.task.name, metadata: result.metadata };
}
