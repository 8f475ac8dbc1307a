/**
 * The periodic part of the store port ({@link SlotStore}) on Redis. BullMQ has no transaction that
 * spans its own add script and a slot row of errand's, so exactly-once rests on idempotent steps:
 *
 * 1. A mark per slot (`<prefix>::errand:slot:<task id>`, `SET NX`, kept {@link SLOT_MARK_TTL_MS}):
 *    `pending` from the first scheduler that reaches the add, `added` once the slot is recorded.
 * 2. The slot's task is added under a job id derived from the slot ({@link slotTaskId}): BullMQ's
 *    add is a no-op when a job with that id exists, so concurrent adds of one slot leave one job.
 *    A scheduler that finds the mark `added` adds nothing: the slot's job was added, even if it
 *    has been removed since.
 * 3. The slot is then recorded in `<prefix>::errand:slots` (per schedule key: the latest fire time,
 *    cron and time zone), only forward, by a Lua script that also sets the mark to `added` and says
 *    whether this call moved the record: the one call that did returns `"enqueued"`, the others `"taken"`.
 *
 * A slot at or before the recorded one is `"taken"` without any add: the record, not the job's
 * existence, decides that a past slot is done, so a finished job removed later (purge, BullMQ
 * options) never lets its slot fire again. A crash between the add and the record leaves the job
 * without the record and the mark `pending`; the next tick retries the slot, the add is a no-op,
 * and the record is written then.
 *
 * The gap that is left: a slot's job that ran and was removed (a purge, `removeOnComplete`;
 * errand's worker never removes jobs) while its mark is still `pending`, i.e. between one
 * scheduler's add and its record (a moment), or after a crash before the retry, is added again by
 * the scheduler that retries. Without the mark, another scheduler that checked the record before
 * the first one wrote it could do the same; the mark closes that race.
 */
import { createHash } from "node:crypto";
import type { Schedule } from "../../src/periodic/schedule.js";
import { scheduledTask } from "../../src/periodic/schedule.js";
import { slotId } from "../../src/periodic/slots.js";
import type { RecordedSlot, SlotStore } from "../../src/worker/slot-store.js";
import type { BullMQBackend } from "./bullmq-backend.js";
import { slotMarkKey, slotsKey } from "./keys.js";
import type { RedisContext } from "./redis-context.js";

/** The namespace of slot task ids (a fixed random UUID), as UUID v5 names are namespaced. */
const SLOT_NAMESPACE = Buffer.from("6f1c2a4e9b8d4c7a8e3f5b1d2c4a6e80", "hex");

/**
 * The task id of a slot: a name-based UUID (version 5: SHA-1 of a fixed namespace and
 * {@link slotId}), the same in every process, and a valid BullMQ job id (no ':', not an integer).
 */
export function slotTaskId(key: string, fireTime: Date): string {
  const hash = createHash("sha1").update(SLOT_NAMESPACE).update(slotId(key, fireTime)).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** How long a slot's mark is kept, in milliseconds (7 days): far longer than between a slot's check and its record. */
export const SLOT_MARK_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * KEYS slots, mark; ARGV key, record JSON, fire time ms, mark ttl ms. Marks the slot `added`, and
 * sets the key's record when newer; 1 when it did.
 */
const RECORD_SLOT = `
redis.call("SET", KEYS[2], "added", "PX", ARGV[4])
local raw = redis.call("HGET", KEYS[1], ARGV[1])
if raw then
  local ok, old = pcall(cjson.decode, raw)
  if ok and type(old) == "table" and tonumber(old.fireTime) and tonumber(old.fireTime) >= tonumber(ARGV[3]) then return 0 end
end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return 1
`;

interface StoredSlot {
  fireTime: number;
  cron: string;
  timezone: string;
}

/** {@link SlotStore} on a BullMQ backend (see the file comment for how exactly-once holds). */
export class BullMQSlotStore implements SlotStore {
  constructor(private readonly context: () => Promise<RedisContext>, private readonly backend: BullMQBackend) {}

  async lastSlot(key: string): Promise<RecordedSlot | null> {
    const ctx = await this.context();
    const raw = await ctx.client.hget(slotsKey(ctx.prefix), key);
    if (raw === null) return null;
    const s = JSON.parse(raw) as StoredSlot;
    return { fireTime: new Date(s.fireTime), cron: s.cron, timezone: s.timezone };
  }

  async enqueueSlot(schedule: Schedule, fireTime: Date): Promise<"enqueued" | "taken"> {
    const task = scheduledTask(schedule);
    const last = await this.lastSlot(schedule.key);
    if (last !== null && last.fireTime >= fireTime) return "taken";
    const ctx = await this.context();
    const id = slotTaskId(schedule.key, fireTime);
    const mark = slotMarkKey(ctx.prefix, id);
    const replies = (await ctx.client.pipeline().set(mark, "pending", "PX", SLOT_MARK_TTL_MS, "NX").get(mark).exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    // `added`: the slot's job was added (and may have been removed since): never again.
    if (replies[1]?.[1] !== "added") await this.backend.addSlotTask(task, [...schedule.args], id, fireTime);
    const record: StoredSlot = { fireTime: fireTime.getTime(), cron: schedule.cron, timezone: schedule.timezone };
    const moved = await ctx.scripts.eval(RECORD_SLOT, [slotsKey(ctx.prefix), mark], [schedule.key, JSON.stringify(record), String(record.fireTime), String(SLOT_MARK_TTL_MS)]);
    return moved === 1 ? "enqueued" : "taken";
  }
}
