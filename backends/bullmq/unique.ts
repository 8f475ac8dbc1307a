/**
 * Unique tasks on Redis (DESIGN §7). One hash per task name and key, `<prefix>::errand:unique:
 * <name length>:<name>:<key>`, names the holder (`id`, `queue`), the end of its `uniqueFor` (`until`,
 * epoch ms) and when it was reserved (`at`). A Lua script decides atomically whether the holder still
 * holds (its job is waiting, delayed or active; or finished before `until`) and otherwise reserves the
 * key for the caller's new id, which then adds its job through BullMQ as any enqueue does. Between
 * the reservation and the job's arrival (one round trip) the holder is "pending": other callers wait
 * for the job instead of taking the key. A reservation whose job never arrives (the caller died)
 * lapses after {@link PENDING_MS}. The hash stays until the key is next used: one small hash per key.
 *
 * BullMQ's own `deduplication` option does not fit errand's rules: its TTL lets go of a job that
 * is still waiting, and it is scoped to one queue, not to a task name.
 */
import type { Task } from "../../src/task.js";
import type { TaskRecord } from "../../src/worker/task-record.js";
import type { EnqueuedJobData } from "./job-data.js";
import type { RedisContext } from "./redis-context.js";

/** How long a reservation waits for its job before another enqueue may take the key, in ms. */
export const PENDING_MS = 10_000;

/** The Redis key of one task name and unique key (the name's length keeps the two parts apart). */
export function uniqueRedisKey(prefix: string, taskName: string, key: string): string {
  return `${prefix}::errand:unique:${taskName.length}:${taskName}:${key}`;
}

/**
 * KEYS unique; ARGV id, queue, now, until ("" for none), mode, pendingMs, prefix.
 * Returns {"reserved"} or {verdict, id, queue, state}: verdict "held" (skip: the holder stands) or
 * "replace" (a READY holder to update); state "ready", "active", "finished" or "pending".
 */
const RESERVE = `
local h = redis.call("HMGET", KEYS[1], "id", "queue", "until", "at")
local now = tonumber(ARGV[3])
if h[1] then
  local id, queue = h[1], h[2]
  local base = ARGV[7] .. ":" .. queue .. ":"
  local state
  if redis.call("EXISTS", base .. id) == 1 then
    if redis.call("HEXISTS", base .. id, "finishedOn") == 1 then state = "finished"
    elseif redis.call("LPOS", base .. "active", id) then state = "active"
    else state = "ready" end
  elseif now - (tonumber(h[4]) or 0) < tonumber(ARGV[6]) then state = "pending"
  else state = "gone" end
  local within = tonumber(h[3]) ~= nil and tonumber(h[3]) > now
  if ARGV[5] == "skip" then
    if state == "ready" or state == "active" or state == "pending" or (state == "finished" and within) then
      return {"held", id, queue, state}
    end
  elseif state == "ready" or state == "pending" then
    return {"replace", id, queue, state}
  end
end
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "id", ARGV[1], "queue", ARGV[2], "at", ARGV[3])
if ARGV[4] ~= "" then redis.call("HSET", KEYS[1], "until", ARGV[4]) end
return {"reserved"}
`;

/** KEYS unique; ARGV id. Drops the reservation of `id` (its job could not be added). */
const DROP = `
if redis.call("HGET", KEYS[1], "id") == ARGV[1] then redis.call("DEL", KEYS[1]) end
return 1
`;

/** KEYS job, active; ARGV id, data. Writes `data` while the job waits (not active, not finished). */
const WRITE_IF_READY = `
if redis.call("EXISTS", KEYS[1]) == 0 or redis.call("HEXISTS", KEYS[1], "finishedOn") == 1 or redis.call("LPOS", KEYS[2], ARGV[1]) then return 0 end
redis.call("HSET", KEYS[1], "data", ARGV[2])
return 1
`;

/** What a unique enqueue did. */
export type UniqueOutcome =
  /** The key is the caller's: add the job under `id` now. */
  | { kind: "reserved" }
  /** "skip": the holder's record. */
  | { kind: "held"; record: TaskRecord }
  /** "replace": the READY holder `id` took the new arguments in place. */
  | { kind: "replaced"; id: string; queueName: string };

/** What {@link reserveUnique} needs from the backend. */
export interface UniqueCall {
  task: Task<any, any>;
  /** The id the new task gets if the key is free. */
  id: string;
  /** The new call's job data (written into a READY holder by "replace"). */
  data: EnqueuedJobData;
  /** Reads a task by id (the store's `get`). */
  read(id: string): Promise<TaskRecord | undefined>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Settles who holds `call.task`'s key: the caller (reserved: it must add its job, or {@link
 * dropReservation} on failure), or the holder (skipped, or replaced in place). Waits while a
 * holder's job is still being added.
 * @throws Error when the key stays pending past {@link PENDING_MS} plus a margin (cannot happen
 *   unless Redis's and this host's view of time disagree wildly).
 */
export async function reserveUnique(ctx: RedisContext, call: UniqueCall): Promise<UniqueOutcome> {
  const { task } = call;
  const key = uniqueRedisKey(ctx.prefix, task.name, task.uniqueKey!);
  const deadline = Date.now() + PENDING_MS * 2;
  while (Date.now() < deadline) {
    const now = Date.now();
    const until = task.uniqueFor === null ? "" : String(now + task.uniqueFor);
    const out = (await ctx.scripts.eval(RESERVE, [key], [call.id, task.queueName, String(now), until, task.onConflict, String(PENDING_MS), ctx.prefix])) as string[];
    if (out[0] === "reserved") return { kind: "reserved" };
    const [verdict, id, queueName, state] = out as [string, string, string, string];
    if (state === "pending") {
      await sleep(5);
      continue;
    }
    if (verdict === "held") {
      const record = await call.read(id);
      if (record) return { kind: "held", record };
      continue;
    }
    const k = ctx.keys(queueName);
    const written = await ctx.scripts.eval(WRITE_IF_READY, [k.job(id), k.key("active")], [id, JSON.stringify(call.data)]);
    if (written === 1) return { kind: "replaced", id, queueName };
    // Claimed or finished meanwhile: the next round takes the key for a new task.
  }
  throw new Error(`Could not enqueue task '${task.name}' with uniqueKey ${JSON.stringify(task.uniqueKey)}: its holder's job did not appear within ${PENDING_MS * 2} ms.`);
}

/** Gives the key back after the reserved job could not be added (so the next enqueue need not wait). */
export async function dropReservation(ctx: RedisContext, task: Task<any, any>, id: string): Promise<void> {
  await ctx.scripts.eval(DROP, [uniqueRedisKey(ctx.prefix, task.name, task.uniqueKey!)], [id]);
}
