/**
 * Task concurrency limits on Redis (DESIGN §7, `task({ concurrency: { limit, key } })`): one Redis
 * SET per limit, `<prefix>::errand:limit:<task name>` (or `…:<task name>::key:<concurrency key>`
 * for a task enqueued with a key, stored in `data.errand.concurrencyKey`), holding one member per
 * RUNNING attempt: `<queue>\0<job id>\0<worker id>`.
 *
 * A claim takes a slot for each job of a limited name it took (BullMQ's `getNextJob` moved it to
 * active under the worker's lock) with {@link TAKE_SLOTS}, one script for the whole batch: it
 * adds the member while the set has fewer than `limit` valid members, atomically, so concurrent
 * claimers never take more than `limit` together. A job that finds its limit full is not started:
 * the claim holds it and puts it back (claim.ts, as a job of a name it cannot run), and skips its
 * limit for the rest of the claim.
 *
 * A member is valid while its job is RUNNING for that worker: its lock is the worker's, or the
 * lock expired and the job is still in `active` (a lease counts until recovery takes the job
 * back, as scripts.ts' `held`). The settling moves remove the member in the same pipeline
 * (bull-moves.ts), as do `release`, putting a job back and the clean exit's `recoverOwn`; a slot
 * whose job was cancelled, taken back by `recoverExpired` or re-claimed by another worker (its
 * lock is no longer that worker's, or it left `active`) is dropped by the next take that finds
 * the set full. So a worker that died leaks nothing, and nothing is counted twice.
 *
 * Manual runs by id (`claimById`) take no slot, as the store port says.
 */
import type { Job } from "bullmq";
import type { ClaimLimits } from "../../src/worker/store.js";
import { errandDataOf } from "./held-jobs.js";
import type { RedisContext } from "./redis-context.js";

/** A slot a RUNNING attempt holds: the limit's set and the member. */
export interface Slot {
  key: string;
  member: string;
}

/** The set of a task's limit (per concurrency key when the job was enqueued with one). */
export function limitKey(prefix: string, taskName: string, concurrencyKey: string | null | undefined): string {
  return `${prefix}::errand:limit:${taskName}${concurrencyKey ? `::key:${concurrencyKey}` : ""}`;
}

/** The slot of job `id` of `queueName` held by `workerId`. */
export function slotOf(ctx: RedisContext, job: Job, workerId: string): Slot {
  const key = limitKey(ctx.prefix, job.name, errandDataOf(job.data)?.errand.concurrencyKey);
  return { key, member: `${job.queueName}\u0000${job.id!}\u0000${workerId}` };
}

/**
 * ARGV: BullMQ's prefix, then per slot: its set, member, limit. Returns per slot 1 (taken) or 0 (full).
 * A full set is first pruned of members whose job no longer RUNs for their worker (see the file comment).
 */
const TAKE_SLOTS = `
local prefix = ARGV[1]
local pruned = {}
local out = {}
local function valid(member)
  local q, id, token = string.match(member, "^(.-)%z(.-)%z(.*)$")
  if not q then return false end
  local jobKey = prefix .. ":" .. q .. ":" .. id
  local lock = redis.call("GET", jobKey .. ":lock")
  if lock then return lock == token end
  return redis.call("LPOS", prefix .. ":" .. q .. ":active", id) ~= false
end
for i = 2, #ARGV, 3 do
  local key, member, limit = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local taken = 0
  if redis.call("SISMEMBER", key, member) == 1 then
    taken = 1
  else
    if redis.call("SCARD", key) >= limit and not pruned[key] then
      pruned[key] = true
      for _, m in ipairs(redis.call("SMEMBERS", key)) do
        if not valid(m) then redis.call("SREM", key, m) end
      end
    end
    if redis.call("SCARD", key) < limit then
      redis.call("SADD", key, member)
      taken = 1
    end
  end
  out[#out + 1] = taken
end
return out
`;

/** The limit of a job's name among `limits`, or `undefined` when its name is not limited. */
export function limitOf(limits: ClaimLimits | undefined, job: Job): number | undefined {
  return limits?.tasks[job.name];
}

/**
 * Takes a slot for each job (all limited, held by `workerId`), in one round trip; per job its
 * slot, or `undefined` when its limit is full.
 */
export async function takeSlots(ctx: RedisContext, jobs: readonly { job: Job; limit: number }[], workerId: string): Promise<(Slot | undefined)[]> {
  if (jobs.length === 0) return [];
  const slots = jobs.map(({ job }) => slotOf(ctx, job, workerId));
  const args = [ctx.prefix, ...slots.flatMap((s, i) => [s.key, s.member, String(jobs[i]!.limit)])];
  const taken = (await ctx.scripts.eval(TAKE_SLOTS, [], args)) as number[];
  return slots.map((s, i) => (taken[i] === 1 ? s : undefined));
}

/** Gives slots back (one pipeline); a failure is left to the pruning of the next full take. */
export async function releaseSlots(ctx: RedisContext, slots: readonly (Slot | undefined)[]): Promise<void> {
  const held = slots.filter((s): s is Slot => s !== undefined);
  if (held.length === 0) return;
  const p = ctx.client.pipeline();
  for (const s of held) p.srem(s.key, s.member);
  await p.exec().catch(() => undefined);
}
