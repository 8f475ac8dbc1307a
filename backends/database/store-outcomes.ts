import { logger } from "../../src/logger.js";
import { storableText, type TaskError } from "../../src/task-error.js";
import type { OutcomeReceipt } from "../../src/worker/store.js";
import type { DatabaseBackend } from "./database-backend.js";
import type { QueryContext } from "./queries/context.js";
import { completeTasks, deleteSucceededTasks, failUnstorable, type CompletionItem } from "./queries/complete.js";
import { isTransientDatabaseError, withDatabaseRetry } from "./transient.js";

/** Options of {@link storeOutcomes}. */
export interface StoreOptions {
  /**
   * Retry transient database errors until this signal aborts (a worker passes one it aborts when it
   * stops, after a last bounded wait): the `locked_by` fence makes a late store safe. Without it,
   * retries last `backend.storeRetryMs`.
   */
  until?: AbortSignal;
}

/**
 * Stores outcomes of `workerId`'s tasks in one statement (announcing finishes on PostgreSQL), or
 * deletes the SUCCESSFUL ones when the backend does not keep them. Transient database errors are
 * retried (see {@link StoreOptions.until}). One outcome the database refuses cannot fail the others:
 * a refused statement is split and each outcome stored on its own; one refused on its own is stored
 * as FAILED with an `OutcomeNotStoredError` record saying why.
 * @returns the ids stored (an id missing: the worker no longer owned that task).
 * @throws the last database error when retrying ends (the signal aborted, or `storeRetryMs` passed).
 */
export async function storeOutcomes(
  backend: DatabaseBackend,
  ctx: QueryContext,
  workerId: string,
  items: CompletionItem[],
  options: StoreOptions = {},
): Promise<Set<string>> {
  const retry = <T>(store: () => Promise<T>) =>
    withDatabaseRetry(store, {
      what: "store task outcomes",
      signal: options.until,
      maxElapsedMs: options.until ? Infinity : backend.storeRetryMs,
    });
  const channel = backend.finishedChannel;
  const update = (batch: CompletionItem[]) => isolated(batch, (b) => retry(() => completeTasks(ctx, workerId, b, channel)), (item, error) =>
    retry(() => failUnstorable(ctx, workerId, item.id, item.at, refusedRecord(item, error))));
  if (backend.keepSuccessfulResults) return update(items);
  // Deleting the successes and updating the rest are two statements, each retried on its own: a
  // retry never repeats one that already took effect (and would then miss its ids).
  const succeeded = items.filter((i) => i.completion.status === "SUCCESSFUL").map((i) => i.id);
  const rest = succeeded.length === items.length ? [] : items.filter((i) => i.completion.status !== "SUCCESSFUL");
  const stored = await retry(() => deleteSucceededTasks(ctx, workerId, succeeded, channel));
  if (rest.length > 0) for (const id of await update(rest)) stored.add(id);
  return stored;
}

/**
 * Runs `store` on the whole batch; when the database refuses it (an error that is not transient),
 * on halves, down to single outcomes, so the refused ones are found in O(k log n) statements and
 * the rest stored. A single refused outcome goes to `fallback`.
 */
async function isolated(
  batch: CompletionItem[],
  store: (batch: CompletionItem[]) => Promise<Set<string>>,
  fallback: (item: CompletionItem, error: unknown) => Promise<boolean>,
): Promise<Set<string>> {
  try {
    return await store(batch);
  } catch (error) {
    if (isTransientDatabaseError(error)) throw error; // retrying ended: not the outcomes' fault
    if (batch.length === 1) {
      const item = batch[0]!;
      logger.error({ taskId: item.id, err: firstLine(error) }, "the database refused a task's outcome; storing it as FAILED with the reason");
      return (await fallback(item, error)) ? new Set([item.id]) : new Set();
    }
    const half = Math.ceil(batch.length / 2);
    const [a, b] = [await isolated(batch.slice(0, half), store, fallback), await isolated(batch.slice(half), store, fallback)];
    for (const id of b) a.add(id);
    return a;
  }
}

/** How a store writes outcomes: the backend's settings {@link storeOutcomeReceipts} needs. */
export interface OutcomeSettings {
  keepSuccessfulResults: boolean;
  /** PostgreSQL: the channel completions NOTIFY (for `TaskResult.wait()`). */
  finishedChannel?: string;
}

/**
 * The store port's `storeOutcomes`: as {@link storeOutcomes}, without retrying. One receipt per
 * item: stored, refused (no longer this worker's), or failed with the error and whether it is
 * transient (the worker retries those). Refused statements are isolated as {@link storeOutcomes}
 * does, so one outcome the database refuses never keeps the others from being stored.
 */
export async function storeOutcomeReceipts(
  ctx: QueryContext,
  settings: OutcomeSettings,
  workerId: string,
  items: readonly CompletionItem[],
): Promise<Map<string, OutcomeReceipt>> {
  const receipts = new Map<string, OutcomeReceipt>();
  const channel = settings.finishedChannel;
  let rest: readonly CompletionItem[] = items;
  if (!settings.keepSuccessfulResults) {
    const succeeded = items.filter((i) => i.completion.status === "SUCCESSFUL");
    rest = items.filter((i) => i.completion.status !== "SUCCESSFUL");
    try {
      const deleted = await deleteSucceededTasks(ctx, workerId, succeeded.map((i) => i.id), channel);
      for (const i of succeeded) receipts.set(i.id, { kind: deleted.has(i.id) ? "stored" : "refused" });
    } catch (error) {
      for (const i of succeeded) receipts.set(i.id, { kind: "failed", error, transient: isTransientDatabaseError(error) });
    }
  }
  if (rest.length > 0) await isolateReceipts(ctx, workerId, rest, channel, receipts);
  return receipts;
}

/** {@link isolated} with one receipt per item: a part that fails transiently is reported, not retried. */
async function isolateReceipts(
  ctx: QueryContext,
  workerId: string,
  batch: readonly CompletionItem[],
  channel: string | undefined,
  receipts: Map<string, OutcomeReceipt>,
): Promise<void> {
  const fail = (part: readonly CompletionItem[], error: unknown) => {
    for (const i of part) receipts.set(i.id, { kind: "failed", error, transient: isTransientDatabaseError(error) });
  };
  try {
    const stored = await completeTasks(ctx, workerId, batch, channel);
    for (const i of batch) receipts.set(i.id, { kind: stored.has(i.id) ? "stored" : "refused" });
  } catch (error) {
    if (isTransientDatabaseError(error)) return fail(batch, error);
    if (batch.length === 1) {
      const item = batch[0]!;
      logger.error({ taskId: item.id, err: firstLine(error) }, "the database refused a task's outcome; storing it as FAILED with the reason");
      try {
        const failed = await failUnstorable(ctx, workerId, item.id, item.at, refusedRecord(item, error));
        receipts.set(item.id, { kind: failed ? "stored" : "refused" });
      } catch (fallbackError) {
        fail(batch, fallbackError);
      }
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await isolateReceipts(ctx, workerId, batch.slice(0, half), channel, receipts);
    await isolateReceipts(ctx, workerId, batch.slice(half), channel, receipts);
  }
}

function refusedRecord(item: CompletionItem, error: unknown): TaskError {
  return {
    exceptionClassPath: "OutcomeNotStoredError",
    traceback: storableText(
      `OutcomeNotStoredError: the database refused to store this attempt's outcome (${item.completion.status}): ${firstLine(error)}`,
      2_000,
    ),
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n", 1)[0] ?? "";
}
