import type { FinishedMinute } from "./task-record.js";

/**
 * Groups finish times into {@link FinishedMinute} rows, oldest minute first (for stores that count
 * in the process: BullMQ, the tests' memory store).
 * @param finishes - each finish as epoch milliseconds and whether the task FAILED.
 */
export function groupFinishedPerMinute(finishes: Iterable<{ atMs: number; failed: boolean }>): FinishedMinute[] {
  const byMinute = new Map<number, FinishedMinute>();
  for (const f of finishes) {
    const minute = Math.floor(f.atMs / 60_000);
    let row = byMinute.get(minute);
    if (!row) byMinute.set(minute, (row = { minute: new Date(minute * 60_000), successful: 0, failed: 0 }));
    if (f.failed) row.failed++;
    else row.successful++;
  }
  return [...byMinute.values()].sort((a, b) => a.minute.getTime() - b.minute.getTime());
}
