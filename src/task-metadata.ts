/**
 * Task metadata (Django's main branch: `TaskContext.metadata`, `save_metadata()`,
 * `TaskResult.metadata`): a JSON object a running task writes for others to read while it runs
 * (progress, a step name, counts) and that stays with the result afterwards. Progress is metadata
 * by convention: `context.metadata.progress = 0.4` (a number in [0, 1], which the admin page draws
 * as a bar).
 */
import { toJsonValue, type JsonValue } from "./json.js";

/** A task's metadata: a plain JSON object. `{}` for a task that never saved any. */
export type TaskMetadata = { [key: string]: JsonValue };

/**
 * Checks that `value` is a plain JSON object, by errand's JSON rules (those of task arguments), and
 * returns a deep copy of it.
 * @param path - how the value is named in the error. @defaultValue `"metadata"`
 * @throws TypeError naming the path and the fix, e.g.
 *   `metadata.startedAt: Date is not JSON-serializable; pass date.toISOString()`, or
 *   `metadata must be a plain object ({ key: value }); got an array`.
 */
export function toTaskMetadata(value: unknown, path = "metadata"): TaskMetadata {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new TypeError(`${path} must be a plain object ({ key: value }); got ${got}`);
  }
  return toJsonValue(value, path) as TaskMetadata;
}

/** Whether two metadata objects hold the same JSON (key order aside). */
export function sameMetadata(a: TaskMetadata, b: TaskMetadata): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k]!)}`).join(",")}}`;
}

/**
 * The progress a metadata object reports: `metadata.progress` when it is a finite number in
 * [0, 1], else `null`.
 */
export function progressOf(metadata: TaskMetadata | undefined): number | null {
  const p = metadata?.progress;
  return typeof p === "number" && Number.isFinite(p) && p >= 0 && p <= 1 ? p : null;
}
