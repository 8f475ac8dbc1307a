/**
 * Turns what the store throws into an error an operator can act on. The store translates database
 * failures into `ErrandError`s where SQL runs (backends/database/database-errors.ts: "The task table does not
 * exist in … run "errand migrate"", a missing database), so they pass through here as they are.
 */
import { ErrandError } from "../src/errors.js";

/**
 * The `ErrandError` to answer with for `error`, or `null` when it is not errand's own error (an
 * unexpected error, a bug: the caller logs it and answers 500).
 */
export function storeError(error: unknown): ErrandError | null {
  return error instanceof ErrandError ? error : null;
}
