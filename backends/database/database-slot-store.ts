/**
 * The periodic part of the store port ({@link SlotStore}) over a {@link DatabaseBackend}: slot rows
 * in `<table>_slot`, claimed and turned into a task in one transaction (see `queries/slots.ts`).
 */
import type { Schedule } from "../../src/periodic/schedule.js";
import { scheduledTask } from "../../src/periodic/schedule.js";
import type { RecordedSlot, SlotStore } from "../../src/worker/slot-store.js";
import type { DatabaseBackend } from "./database-backend.js";
import { slotTableName } from "./entity.js";
import { insertSlot, lastSlot, linkSlotTask } from "./queries/slots.js";

/** {@link SlotStore} on a database backend, every dialect (the insert-unless-present per dialect: `queries/slots.ts`). */
export class DatabaseSlotStore implements SlotStore {
  readonly #backend: DatabaseBackend;

  constructor(backend: DatabaseBackend) {
    this.#backend = backend;
  }

  async #slotTable(): Promise<string> {
    const ctx = await this.#backend.queryContext();
    return ctx.dialect.quoteIdent(slotTableName(this.#backend.tableName));
  }

  async lastSlot(key: string): Promise<RecordedSlot | null> {
    const ctx = await this.#backend.queryContext();
    return lastSlot(ctx, await this.#slotTable(), key);
  }

  /**
   * In one transaction: the slot row (inserted unless present: `"taken"` when it exists), then the
   * task through the backend's own `enqueue` (validation, `maxAttempts`, the NOTIFY that wakes
   * workers, delivered on commit), then the links between them. A failure rolls all of it back.
   */
  async enqueueSlot(schedule: Schedule, fireTime: Date): Promise<"enqueued" | "taken"> {
    const task = scheduledTask(schedule);
    const slot = { key: schedule.key, fireTime, cron: schedule.cron, timezone: schedule.timezone };
    const orm = await this.#backend.getOrm();
    const slotTable = await this.#slotTable();
    // A fork: the transaction must not join one the caller's context may have open.
    return orm.em.fork().transactional(async () => {
      const ctx = await this.#backend.queryContext();
      if (!(await insertSlot(ctx, slotTable, slot))) return "taken";
      const result = await this.#backend.enqueue(task, [...schedule.args]);
      await linkSlotTask(ctx, slotTable, slot, result.id);
      return "enqueued";
    });
  }
}
