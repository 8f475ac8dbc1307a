/**
 * READY jobs counted by name on the server: one script per queue reads the ids of `wait`,
 * `paused`, `prioritized` and `delayed` and each job's `name` field, and answers the counts. A
 * worker looks for READY tasks it cannot run when it starts and every 30 s while idle
 * (src/worker/unrunnable-warning.ts); reading and decoding every READY job's hash in the worker
 * instead cost as much as the drain of those jobs.
 */
import type { UnrunnableCount } from "../../src/worker/store.js";
import type { RedisContext } from "./redis-context.js";

/** KEYS wait, paused, prioritized, delayed; ARGV the job key prefix. Returns {name, count, …}. */
const COUNT_NAMES = `
local counts = {}
local function count(id)
  local name = redis.call("HGET", ARGV[1] .. id, "name")
  if name then counts[name] = (counts[name] or 0) + 1 end
end
for i = 1, 2 do for _, id in ipairs(redis.call("LRANGE", KEYS[i], 0, -1)) do count(id) end end
for i = 3, 4 do for _, id in ipairs(redis.call("ZRANGE", KEYS[i], 0, -1)) do count(id) end end
local out = {}
for name, n in pairs(counts) do
  out[#out + 1] = name
  out[#out + 1] = n
end
return out
`;

/** READY jobs per name and queue whose name is not in `known`, sorted by name then queue. */
export async function unrunnableIn(ctx: RedisContext, queues: readonly string[], known: readonly string[]): Promise<UnrunnableCount[]> {
  const names = new Set(known);
  const out: UnrunnableCount[] = [];
  for (const queueName of queues) {
    const k = ctx.keys(queueName);
    const reply = (await ctx.scripts.eval(COUNT_NAMES, ["wait", "paused", "prioritized", "delayed"].map((t) => k.key(t)), [k.key("")])) as (string | number)[];
    for (let i = 0; i < reply.length; i += 2) {
      const taskPath = String(reply[i]);
      if (!names.has(taskPath)) out.push({ taskPath, queueName, count: Number(reply[i + 1]) });
    }
  }
  return out.sort((a, b) => (a.taskPath < b.taskPath ? -1 : a.taskPath > b.taskPath ? 1 : a.queueName < b.queueName ? -1 : a.queueName > b.queueName ? 1 : 0));
}
