/**
 * Unique tasks (DESIGN §7): the options, their checks, and the rule every store applies. The stores
 * enforce it atomically (a unique index on SQL, a Lua script on Redis); this file only says what the
 * options mean and collapses a batch.
 */
import type { JsonValue } from "./json.js";

/**
 * What `enqueue` does when a task with the same name and `uniqueKey` is still held: READY or
 * RUNNING, or, with `uniqueFor`, enqueued less than `uniqueFor` ms ago.
 * - `"skip"`: store nothing and return the existing task's result (pg-boss `singletonKey`, BullMQ
 *   `deduplication`, graphile-worker `job_key_mode: "unsafe_dedupe"`).
 * - `"replace"`: debouncing (graphile-worker `job_key_mode: "replace"`). A READY task is updated in
 *   place, keeping its id: its arguments, `runAfter`, priority, queue and `enqueuedAt` become the new
 *   call's, so every earlier result still follows the one task that will run. A RUNNING task cannot be
 *   changed: it gives up the key and a new task is enqueued, so the latest arguments still run.
 */
export type UniqueConflict = "skip" | "replace";

/** The unique options of `task()` and `using()`. */
export interface UniqueOptions {
  /**
   * At most one task of this name with this key is READY or RUNNING at a time, across every process
   * and worker of the store. 1-255 characters. `null` (or leaving it out): not unique.
   * @defaultValue null
   */
  uniqueKey?: string | null;
  /**
   * Milliseconds after its enqueue during which a task keeps its key even once it finished (a
   * throttle: "at most one per minute"). Only with `onConflict: "skip"`. `null`: the key is held
   * only while READY or RUNNING.
   * @defaultValue null
   */
  uniqueFor?: number | null;
  /** See {@link UniqueConflict}. @defaultValue `"skip"` */
  onConflict?: UniqueConflict;
}

/** The longest `uniqueKey` (the `unique_key` column width). */
export const MAX_UNIQUE_KEY_LENGTH = 255;

/** `onConflict` when none is given. */
export const DEFAULT_ON_CONFLICT: UniqueConflict = "skip";

/** What a task carries: the options with their defaults. */
export interface UniqueFields {
  uniqueKey: string | null;
  uniqueFor: number | null;
  onConflict: UniqueConflict;
}

/**
 * What is wrong with the unique options, as a message naming the field and the fix, or `null`.
 * Runs at `task()` and `using()`.
 */
export function uniqueProblem(f: UniqueFields): string | null {
  const k = f.uniqueKey;
  if (k !== null && (typeof k !== "string" || k === "" || k.length > MAX_UNIQUE_KEY_LENGTH)) {
    const got = typeof k === "string" ? `a string of ${k.length} characters` : JSON.stringify(k) ?? String(k);
    return `uniqueKey must be a string of 1-${MAX_UNIQUE_KEY_LENGTH} characters, or null; got ${got}. Pass e.g. { uniqueKey: \`invoice:\${id}\` }`;
  }
  const u = f.uniqueFor;
  if (u !== null && !(typeof u === "number" && Number.isSafeInteger(u) && u > 0)) {
    return `uniqueFor must be a whole number of milliseconds > 0, or null; got ${JSON.stringify(u) ?? String(u)}. Pass e.g. { uniqueFor: 60_000 } for one minute`;
  }
  if (f.onConflict !== "skip" && f.onConflict !== "replace") {
    return `onConflict must be "skip" or "replace"; got ${JSON.stringify(f.onConflict) ?? String(f.onConflict)}`;
  }
  if (f.onConflict === "replace" && u !== null) {
    return `uniqueFor works with onConflict "skip" only: "replace" debounces through the READY task itself (set runAfter to the debounce delay) and cannot replace a task that already ran; drop uniqueFor or use onConflict "skip"`;
  }
  return null;
}

/**
 * The one enqueue a unique batch stands for: every entry of `enqueueMany` shares the task's key, so
 * they collapse into one task: the first arguments with "skip" (the later entries are duplicates of
 * it), the last with "replace" (each entry replaces the one before).
 */
export function collapseUnique(onConflict: UniqueConflict, argsList: readonly JsonValue[][]): JsonValue[] {
  return (onConflict === "replace" ? argsList.at(-1) : argsList[0]) ?? [];
}
