import { logger } from "../../src/logger.js";
import { storableText, type TaskError } from "../../src/task-error.js";
import type { OutcomeReceipt } from "../../src/worker/store.js";
import type { QueryContext } from "./queries/context.js";
import { completeTasks, deleteSucceededTasks, failUnstorable, type CompletionItem } from "./queries/complete.js";
import { isTransientDatabaseError } from "./transient.js";

/** How a store writes outcomes: the backend's settings {@link storeOutcomeReceipts} needs. */
export interface OutcomeSettings {
  keepSuccessfulResults: boolean;
  /** PostgreSQL: the channel completions NOTIFY (for `TaskResult.wait()`). */
  finishedChannel?: string;
}

/**
 * The store port's `storeOutcomes`: stores outcomes of `workerId`'s tasks in one statement
 * (announcing finishes on `finishedChannel`), or deletes the SUCCESSFUL ones when the backend keeps
 * none. One receipt per item: stored, refused (no longer this worker's), or failed with the error
 * and whether it is transient (the worker retries those; nothing is retried here). One outcome the
 * database refuses cannot fail the others: a refused statement is split in halves, down to single
 * outcomes (O(k log n) statements), and one refused on its own is stored as FAILED with an
 * `OutcomeNotStoredError` record saying why.
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

/** Stores `batch`, halving it on a refusal (see {@link storeOutcomeReceipts}); a part that fails transiently is reported, not retried. */
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
