/**
 * Option-value parsers for commander. Each one checks a single flag and throws a {@link UsageError}
 * naming the flag and the value as typed, e.g. `--interval must be a number of seconds >= 0; got "-1"`.
 * They throw our own error rather than commander's `InvalidArgumentError` so that the message is
 * exactly ours (commander would prefix "option '--interval <seconds>' argument '-1' is invalid.").
 */
import { UsageError } from "./errors.js";

/** A parser commander calls with the raw string. */
export type OptionParser<T> = (value: string) => T;

const show = (value: string) => JSON.stringify(value);

/** A finite number >= `min` (`unit` names what it counts, for the message). */
export function numberAtLeast(flag: string, min: number, unit: string): OptionParser<number> {
  return (value) => {
    const n = value.trim() === "" ? NaN : Number(value);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`${flag} must be a number of ${unit} >= ${min}; got ${show(value)}`);
    return n;
  };
}

/** A whole number >= `min`, written in digits only (so "1.5", "1e3" and "0x10" are refused). */
export function wholeNumberAtLeast(flag: string, min: number): OptionParser<number> {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number >= ${min}; got ${show(value)}`);
    return n;
  };
}

/** A non-empty string of at most `max` characters (leading/trailing spaces removed). */
export function nonEmptyString(flag: string, max: number): OptionParser<string> {
  return (value) => {
    const s = value.trim();
    if (s === "") throw new UsageError(`${flag} must not be empty`);
    if (s.length > max) throw new UsageError(`${flag} must be at most ${max} characters; got ${s.length} (${show(s)})`);
    return s;
  };
}

/** A comma-separated list of names, each non-empty; repeating the flag adds to the list. */
export function nameList(flag: string, what: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (names.length === 0) throw new UsageError(`${flag} must list ${what}, separated by commas; got ${show(value)}`);
    return [...(previous ?? []), ...names];
  };
}

/** The statuses `errand purge` may delete. */
export const PURGEABLE_STATUSES = ["SUCCESSFUL", "FAILED", "CANCELLED"] as const;
/**
 * What `errand purge` deletes without `--status`: CANCELLED tasks only on request (the finished-rows
 * index of the PostgreSQL and SQLite schemas covers SUCCESSFUL and FAILED).
 */
export const DEFAULT_PURGE_STATUSES = ["SUCCESSFUL", "FAILED"] as const;
/** One of {@link PURGEABLE_STATUSES}. */
export type PurgeableStatus = (typeof PURGEABLE_STATUSES)[number];

/** `--status`: a comma-separated subset of SUCCESSFUL, FAILED and CANCELLED (case-insensitive). */
export const purgeStatuses: OptionParser<PurgeableStatus[]> = (value) => {
  const parts = value.split(",").map((s) => s.trim().toUpperCase()).filter((s) => s !== "");
  const bad = parts.filter((s) => !(PURGEABLE_STATUSES as readonly string[]).includes(s));
  if (parts.length === 0 || bad.length > 0) {
    throw new UsageError(
      `--status must list SUCCESSFUL, FAILED and/or CANCELLED, e.g. SUCCESSFUL,FAILED (READY and RUNNING tasks are never purged); got ${show(value)}`,
    );
  }
  return [...new Set(parts)] as PurgeableStatus[];
};
