/**
 * One script per completed task instead of two: BullMQ's own `moveToFinished` (its Lua text as
 * BullMQ registered it on the Workers' connection, run unchanged inside a function) followed by
 * errand's epilogue, which records the attempt of the job `fetchNext` moved to active under the
 * same lock token (what claim.ts' attempt record writes: attempts + 1, the worker id appended,
 * start times, `lockedBy`, `claimAts`). The next claim of that worker then returns the job with no
 * round trip of its own (fetched-jobs.ts).
 *
 * The epilogue edits only errand's part of `data`: `data` is written by errand as
 * `{"args":…,"errand":{…}}`, `errand` last, so the last `,"errand":{` starts it (inside the
 * arguments a `"` is escaped, and errand's state has no key named `errand`). cjson re-encodes that
 * object (numbers with 14 significant digits: epoch milliseconds and counters only) and an empty
 * error list, which it would write `{}`, is written `[]`; a compact state (as enqueued: no
 * `workerIds`, no `errors`, see job-data.ts) gets its first worker id, its errors stay absent. A
 * first attempt of such data (none of the fields the record writes there yet) skips cjson: the
 * fields are appended as text, about 1 µs of Redis time where decoding and encoding take ~7. Data errand cannot read is left alone
 * and the job's attempt is recorded by the claim as before.
 *
 * The same epilogue follows BullMQ's `moveToActive` for the jobs a claim takes itself
 * ({@link activeCommand}, take-next.ts), so that a claim records its attempts in the move too.
 *
 * Where BullMQ's script text cannot be found (another BullMQ or ioredis), {@link finishCommand}
 * and {@link activeCommand} answer `undefined` and moves run BullMQ's script alone.
 */
import type { Redis } from "ioredis";
import { FIRST_NON_POSITIVE_SCORE } from "./priority.js";

/** The ioredis command name of the combined script. */
const COMMAND = "errandMoveToFinishedAndRecord";

/**
 * Runs after BullMQ's script (`__bullmq`); `__r` is its reply. `__prefix`, `__opts` and `__now` are
 * the job key prefix, BullMQ's packed options (with the token) and the time of the claim (epoch
 * ms; none: nothing is recorded), set by the script's head ({@link combined}).
 */
const EPILOGUE = `
local FIELDS = {"attempts", "workerIds", "startedAt", "lastAttemptedAt", "finishedAt", "lockedBy", "claimAts"}
local __ok, __r = pcall(__bullmq)
if KEYS[1] ~= __wait then
  -- The wait list was hidden (PROLOGUE): what BullMQ pushed meanwhile (due delayed jobs) joins it, oldest first.
  while redis.call("RPOPLPUSH", KEYS[1], __wait) do end
  KEYS[1] = __wait
end
if not __ok then error(__r) end
if type(__r) == "table" and type(__r[1]) == "table" and __r[2] and __now then
  local jobKey = __prefix .. __r[2]
  local raw = redis.call("HGET", jobKey, "data")
  local pos = nil
  if raw then
    local from = 1
    while true do
      local i = string.find(raw, ',"errand":{', from, true)
      if not i then break end
      pos = i
      from = i + 1
    end
  end
  if pos and string.sub(raw, -1) == "}" then
    local part = string.sub(raw, pos + 10, -2)
    local token = cmsgpack.unpack(__opts)["token"]
    local ats = tonumber(redis.call("HGET", jobKey, "ats"))
    local data = nil
    local fresh = type(token) == "string" and ats and string.sub(part, 1, 1) == "{" and string.sub(part, -1) == "}"
    for _, field in ipairs(FIELDS) do
      if fresh and string.find(part, '"' .. field .. '":', 1, true) then fresh = false end
    end
    if fresh then
      -- A first attempt of data as enqueued (compact, job-data.ts): no field the record writes is
      -- there, so they are appended as text (no decoding; a key cannot appear inside a JSON string).
      local now = string.format("%.0f", tonumber(__now))
      local t = cjson.encode(token)
      -- After the last field, or inside an empty state (every field at its default).
      local sep = part == "{}" and "" or ","
      data = string.sub(raw, 1, -3) .. sep .. '"attempts":1,"workerIds":[' .. t .. '],"startedAt":' .. now .. ',"lastAttemptedAt":' .. now ..
        ',"finishedAt":null,"lockedBy":' .. t .. ',"claimAts":' .. string.format("%.0f", ats) .. '}}'
    else
      local ok, e = pcall(cjson.decode, part)
      if ok and type(e) == "table" and (e.workerIds == nil or type(e.workerIds) == "table") and (e.errors == nil or type(e.errors) == "table") then
        local now = tonumber(__now)
        e.attempts = (tonumber(e.attempts) or 0) + 1
        if e.workerIds == nil then e.workerIds = {} end
        table.insert(e.workerIds, token)
        if e.startedAt == nil or e.startedAt == cjson.null then e.startedAt = now end
        e.lastAttemptedAt = now
        e.finishedAt = cjson.null
        e.lockedBy = token
        e.claimAts = ats
        local encoded = string.gsub(cjson.encode(e), '"errors":{}', '"errors":[]')
        data = string.sub(raw, 1, pos + 9) .. encoded .. "}"
      end
    end
    if data then
      redis.call("HSET", jobKey, "data", data)
      for i = 1, #__r[1], 2 do
        if __r[1][i] == "data" then __r[1][i + 1] = data end
      end
      __r[5] = "recorded"
    end
  end
end
return __r
`;

/**
 * Runs before BullMQ's script, in both `moveToActive` and `moveToFinished` (KEYS[1] `wait`, KEYS[3]
 * prioritized, KEYS[4] events, KEYS[7] delayed, KEYS[9] meta, KEYS[10] priority counter; ARGV[2]
 * the time; `__prefix` and `__marker` from the head). First it promotes the due delayed jobs as
 * BullMQ's script would (its `promoteDelayedJobs`: priority 0 to `wait`, others prioritized), so
 * that BullMQ's own promotion finds none. Then, while the prioritized set's head is a positive
 * errand priority (score below 101 << 32, see priority.ts) and `wait` has jobs, BullMQ's script is
 * shown an empty list in place of `wait`, so it takes that job before the `wait` list's (errand's
 * priority 0). The epilogue puts back into `wait` anything pushed to the stand-in, even when
 * BullMQ's script fails.
 */
const PROLOGUE = `
local __wait = KEYS[1]
local __due = redis.call("ZRANGEBYSCORE", KEYS[7], 0, (tonumber(ARGV[2]) + 1) * 0x1000 - 1, "LIMIT", 0, 1000)
if #__due > 0 then
  redis.call("ZREM", KEYS[7], unpack(__due))
  for _, id in ipairs(__due) do
    local jobKey = __prefix .. id
    local priority = tonumber(redis.call("HGET", jobKey, "priority")) or 0
    if priority == 0 then
      redis.call("LPUSH", __wait, id)
    else
      local n = redis.call("INCR", KEYS[10])
      redis.call("ZADD", KEYS[3], priority * 0x100000000 + n % 0x100000000, id)
    end
    redis.call("XADD", KEYS[4], "*", "event", "waiting", "jobId", id, "prev", "delayed")
    redis.call("HSET", jobKey, "delay", 0)
  end
  if not redis.call("HGET", KEYS[9], "paused") then redis.call("ZADD", __marker, 0, "0") end
end
local __head = redis.call("ZRANGE", KEYS[3], 0, 0, "WITHSCORES")
if __head[2] and tonumber(__head[2]) < ${FIRST_NON_POSITIVE_SCORE} and redis.call("LLEN", __wait) > 0 then
  KEYS[1] = __wait .. ":errand-hidden"
end
`;

const defined = new WeakMap<Redis, Set<string>>();

/**
 * `name` on `client` (the Workers' connection, where BullMQ registered its scripts): BullMQ's
 * `script` followed by the epilogue, `head` setting the epilogue's arguments; defined on first
 * use; `undefined` when BullMQ's script text is not there.
 */
function combined(client: Redis, bullmqVersion: string | undefined, script: string, numberOfKeys: number, name: string, head: string): string | undefined {
  if (defined.get(client)?.has(name)) return name;
  const scripts = (client as unknown as { scriptsSet?: Record<string, { lua?: unknown }> }).scriptsSet;
  const lua = bullmqVersion === undefined ? undefined : scripts?.[`${script}:${bullmqVersion}`]?.lua;
  if (typeof lua !== "string") return undefined;
  client.defineCommand(name, { numberOfKeys, lua: `${head}\n${PROLOGUE}\nlocal function __bullmq()\n${lua}\nend\n${EPILOGUE}` });
  const names = defined.get(client) ?? new Set<string>();
  names.add(name);
  defined.set(client, names);
  return name;
}

/**
 * The combined `moveToFinished` on `client`: BullMQ's arguments plus one, the time of the claim of
 * the job `fetchNext` takes (ARGV[10]); `undefined` when BullMQ's script text is not there.
 */
export function finishCommand(client: Redis, bullmqVersion: string | undefined): string | undefined {
  return combined(client, bullmqVersion, "moveToFinished", 14, COMMAND, "local __prefix, __opts, __now, __marker = ARGV[7], ARGV[8], ARGV[10], KEYS[14]");
}

/**
 * The combined `moveToActive` on `client`: BullMQ's arguments (ARGV: prefix, timestamp, packed
 * options) plus one, the lease (ms) to lock the job for in place of the options' `lockDuration`;
 * the job it takes recorded as claimed at that timestamp (take-next.ts); `undefined` when BullMQ's
 * script text is not there.
 */
export function activeCommand(client: Redis, bullmqVersion: string | undefined): string | undefined {
  const head = `if ARGV[4] then
  local o = cmsgpack.unpack(ARGV[3])
  o["lockDuration"] = tonumber(ARGV[4])
  ARGV[3] = cmsgpack.pack(o)
end
local __prefix, __opts, __now, __marker = ARGV[1], ARGV[3], ARGV[2], KEYS[11]`;
  return combined(client, bullmqVersion, "moveToActive", 11, "errandMoveToActiveAndRecord", head);
}

/** Whether errand's moves can run on `client` (BullMQ's scripts of `bullmqVersion` are registered there): then priority 0 waits in BullMQ's `wait` list (priority.ts). */
export function movesAvailable(client: Redis, bullmqVersion: string | undefined): boolean {
  // Asked at every enqueue: the answer is kept per client once it is yes (BullMQ registers its scripts once).
  if (availableOn.has(client)) return true;
  const scripts = (client as unknown as { scriptsSet?: Record<string, { lua?: unknown }> }).scriptsSet;
  const available = bullmqVersion !== undefined && ["moveToActive", "moveToFinished"].every((s) => typeof scripts?.[`${s}:${bullmqVersion}`]?.lua === "string");
  if (available) availableOn.add(client);
  return available;
}

const availableOn = new WeakSet<Redis>();
