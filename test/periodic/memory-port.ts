/**
 * An in-memory SlotPort: a Map keyed by slot id with a check-and-set, as a store's unique slot row
 * would be. Awaits between steps let several schedulers on one port interleave.
 */
import { setImmediate as yieldToOthers } from "node:timers/promises";
import type { RecordedSlot, SlotPort } from "../../src/periodic/scheduler.js";
import type { Schedule } from "../../src/periodic/schedule.js";
import { slotId } from "../../src/periodic/slots.js";

/** A slot row: what a store records per enqueued slot. */
export interface SlotRow extends RecordedSlot {
  readonly key: string;
  /** Which scheduler enqueued it (a label given to {@link MemoryPort.as}). */
  readonly by: string;
}

export class MemoryPort {
  /** slot id → row: the unique constraint. */
  readonly rows = new Map<string, SlotRow>();
  /** How many times each slot id was enqueued (must never exceed 1). */
  readonly enqueued = new Map<string, number>();
  /** When set, the next calls throw it (a store outage). */
  failWith: Error | undefined;

  /** Slot ids in fire-time order, for a key. */
  slotsOf(key: string): string[] {
    return [...this.rows.values()].filter((r) => r.key === key).sort((a, b) => +a.fireTime - +b.fireTime).map((r) => slotId(r.key, r.fireTime));
  }

  /** A port view that labels its enqueues `by`. */
  as(by: string): SlotPort {
    return {
      lastSlot: async (key: string) => {
        await yieldToOthers();
        if (this.failWith) throw this.failWith;
        let last: SlotRow | null = null;
        for (const row of this.rows.values()) if (row.key === key && (last === null || row.fireTime > last.fireTime)) last = row;
        return last;
      },
      enqueueSlot: async (schedule: Schedule, fireTime: Date) => {
        await yieldToOthers();
        if (this.failWith) throw this.failWith;
        const id = slotId(schedule.key, fireTime);
        if (this.rows.has(id)) return "taken";
        this.rows.set(id, { key: schedule.key, fireTime, cron: schedule.cron, timezone: schedule.timezone, by });
        this.enqueued.set(id, (this.enqueued.get(id) ?? 0) + 1);
        return "enqueued";
      },
    };
  }
}
