/**
 * errand's few Lua scripts over BullMQ's keys. Each is atomic in Redis; together with BullMQ's own
 * (`moveToActive`, `moveToFinished`, `moveToDelayed`, `moveJobFromActiveToWait`, all fenced by the
 * lock token) they make the store port's fencing hold. The lock token is the worker id.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { QueueKeys } from "./keys.js";

/**
 * `held`: whether `token` holds the job, renewing the lock for `leaseMs` (0: leave it). A lock
 * that Redis already expired still counts as held while nobody took the job back (it is still
 * in `active` and `data.errand.lockedBy` is `token`): the store port's leases run out only when
 * `recoverExpired` takes the task back.
 */
const HELD = `
local function held(jobKey, lockKey, activeKey, jobId, token, leaseMs)
  local lock = redis.call("GET", lockKey)
  if lock == token then
    if leaseMs > 0 then redis.call("SET", lockKey, token, "PX", leaseMs) end
    return true
  end
  if lock then return false end
  if not redis.call("LPOS", activeKey, jobId) then return false end
  local raw = redis.call("HGET", jobKey, "data")
  if not raw then return false end
  local ok, data = pcall(cjson.decode, raw)
  if not ok or type(data) ~= "table" or type(data.errand) ~= "table" or data.errand.lockedBy ~= token then return false end
  redis.call("SET", lockKey, token, "PX", math.max(leaseMs, 30000))
  return true
end
`;

/** KEYS job, lock, active; ARGV id, token, leaseMs, data ("" keeps it). Returns 1 when held (and written). */
const FENCED_WRITE = `${HELD}
if not held(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], tonumber(ARGV[3])) then return 0 end
if ARGV[4] ~= "" then redis.call("HSET", KEYS[1], "data", ARGV[4]) end
return 1
`;

/**
 * KEYS job, lock, active; ARGV id, token, ms. An active job whose lock is gone is locked for the
 * recoverer (so the lost worker's late writes are refused); returns its data, or false.
 */
const TAKE_EXPIRED = `
if redis.call("EXISTS", KEYS[2]) == 1 or not redis.call("LPOS", KEYS[3], ARGV[1]) then return false end
redis.call("SET", KEYS[2], ARGV[2], "PX", ARGV[3])
return redis.call("HGET", KEYS[1], "data") or false
`;

/**
 * KEYS job, lock, active; ARGV id, owner, token, ms. An active job still held by `owner` (its lock,
 * or, the lock expired, its errand data's `lockedBy`) is locked for the recoverer `token`;
 * returns its data, or false.
 */
const TAKE_OWN = `
if not redis.call("LPOS", KEYS[3], ARGV[1]) then return false end
local lock = redis.call("GET", KEYS[2])
local raw = redis.call("HGET", KEYS[1], "data")
if lock ~= ARGV[2] then
  if lock or not raw then return false end
  local ok, data = pcall(cjson.decode, raw)
  if not ok or type(data) ~= "table" or type(data.errand) ~= "table" or data.errand.lockedBy ~= ARGV[2] then return false end
end
redis.call("SET", KEYS[2], ARGV[3], "PX", ARGV[4])
return raw or false
`;

/**
 * KEYS job, lock, active, wait, paused, prioritized, delayed, failed, events; ARGV id, token,
 * leaseMs, now, allowRetry ("1"). Moves one waiting, prioritized or delayed job (or a failed one,
 * not cancelled, with allowRetry) to active under `token`, as BullMQ's moveToActive does for the next job.
 * Returns {state, HGETALL} or false.
 */
const CLAIM_BY_ID = `
if redis.call("EXISTS", KEYS[1]) == 0 then return false end
local from = false
if redis.call("LREM", KEYS[4], 0, ARGV[1]) > 0 then from = "wait"
elseif redis.call("LREM", KEYS[5], 0, ARGV[1]) > 0 then from = "paused"
elseif redis.call("ZREM", KEYS[6], ARGV[1]) > 0 then from = "prioritized"
elseif redis.call("ZREM", KEYS[7], ARGV[1]) > 0 then from = "delayed"
elseif ARGV[5] == "1" and redis.call("HEXISTS", KEYS[1], "errandCancelledAt") == 0 and redis.call("ZREM", KEYS[8], ARGV[1]) > 0 then
  from = "failed"
  redis.call("HDEL", KEYS[1], "finishedOn", "failedReason")
end
if not from then return false end
redis.call("LPUSH", KEYS[3], ARGV[1])
redis.call("SET", KEYS[2], ARGV[2], "PX", ARGV[3])
redis.call("HSET", KEYS[1], "processedOn", ARGV[4], "delay", 0)
redis.call("HINCRBY", KEYS[1], "ats", 1)
redis.call("XADD", KEYS[9], "*", "event", "active", "jobId", ARGV[1], "prev", from)
return {from, redis.call("HGETALL", KEYS[1])}
`;

/** KEYS job, failed; ARGV id, data. Writes data only while the job is FAILED. */
const WRITE_IF_FAILED = `
if not redis.call("ZSCORE", KEYS[2], ARGV[1]) then return 0 end
redis.call("HSET", KEYS[1], "data", ARGV[2])
return 1
`;

/** One write of {@link Scripts.fencedWriteMany}. */
export interface FencedWrite {
  k: QueueKeys;
  id: string;
  token: string;
  /** Milliseconds to renew the lock for; 0 leaves it. */
  leaseMs: number;
  /** The job's new `data`; `undefined` keeps it. */
  data?: unknown;
}

const digests = new Map<string, string>();

/** The scripts, bound to one client. */
export class Scripts {
  constructor(private readonly client: Redis) {}

  /** Runs `script` by its SHA-1 (EVALSHA: the text is sent once per server, not on every call), loading it on NOSCRIPT. */
  async #run(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    let digest = digests.get(script);
    if (digest === undefined) digests.set(script, (digest = createHash("sha1").update(script).digest("hex")));
    try {
      return await this.client.evalsha(digest, numKeys, ...args);
    } catch (error) {
      if (!String((error as Error | undefined)?.message).startsWith("NOSCRIPT")) throw error;
      return this.client.eval(script, numKeys, ...args);
    }
  }

  /** Runs one of errand's scripts kept next to its use (by SHA-1, as the others). */
  eval(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    return this.#run(script, keys.length, ...keys, ...args);
  }

  /**
   * Runs `script` once per argument list in one pipeline (one round trip, one socket write); each
   * reply or error in order. Scripts the server lost (NOSCRIPT) are loaded and those calls rerun.
   */
  async #runMany(script: string, calls: readonly (readonly (string | number)[])[]): Promise<[Error | null, unknown][]> {
    if (calls.length === 0) return [];
    let digest = digests.get(script);
    if (digest === undefined) digests.set(script, (digest = createHash("sha1").update(script).digest("hex")));
    const send = async (which: readonly (readonly (string | number)[])[]) => {
      const p = this.client.pipeline();
      for (const args of which) p.evalsha(digest, ...(args as [number, ...(string | number)[]]));
      return ((await p.exec()) ?? []) as [Error | null, unknown][];
    };
    const out = await send(calls);
    const lost = out.flatMap(([error], i) => (String(error?.message).startsWith("NOSCRIPT") ? [i] : []));
    if (lost.length > 0) {
      await this.client.script("LOAD", script);
      const again = await send(lost.map((i) => calls[i]!));
      lost.forEach((i, j) => (out[i] = again[j]!));
    }
    return out;
  }

  /** Whether `token` holds job `id` (renewing the lease when `leaseMs` > 0), writing `data` when given. */
  async fencedWrite(k: QueueKeys, id: string, token: string, leaseMs: number, data?: unknown): Promise<boolean> {
    const [held] = await this.fencedWriteMany([{ k, id, token, leaseMs, data }]);
    return held!;
  }

  /**
   * {@link fencedWrite} for many jobs in one round trip; whether each was held (and written), in order.
   * @throws the first error a write met (a lost connection, …).
   */
  async fencedWriteMany(writes: readonly FencedWrite[]): Promise<boolean[]> {
    const replies = await this.#runMany(FENCED_WRITE, writes.map(({ k, id, token, leaseMs, data }) =>
      [3, k.job(id), k.lock(id), k.key("active"), id, token, Math.max(0, Math.ceil(leaseMs)), data === undefined ? "" : JSON.stringify(data)]));
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply === 1;
    });
  }

  /** Locks an active job whose lock expired for `token`; its data, or `null`. */
  async takeExpired(k: QueueKeys, id: string, token: string, ms: number): Promise<string | null> {
    return ((await this.#run(TAKE_EXPIRED, 3, k.job(id), k.lock(id), k.key("active"), id, token, ms)) as string | null) ?? null;
  }

  /** Locks an active job still held by `owner` for `token`; its data, or `null`. */
  async takeOwn(k: QueueKeys, id: string, owner: string, token: string, ms: number): Promise<string | null> {
    return ((await this.#run(TAKE_OWN, 3, k.job(id), k.lock(id), k.key("active"), id, owner, token, ms)) as string | null) ?? null;
  }

  /** Moves job `id` to active under `token`; where it came from and its hash, or `null`. */
  async claimById(k: QueueKeys, id: string, token: string, leaseMs: number, allowRetry: boolean): Promise<{ from: string; hash: Record<string, string> } | null> {
    const keys = [k.job(id), k.lock(id), ...["active", "wait", "paused", "prioritized", "delayed", "failed", "events"].map((t) => k.key(t))];
    const out = (await this.#run(CLAIM_BY_ID, keys.length, ...keys, id, token, Math.ceil(leaseMs), Date.now(), allowRetry ? "1" : "0")) as [string, string[]] | null;
    if (!out) return null;
    const hash: Record<string, string> = {};
    for (let i = 0; i < out[1].length; i += 2) hash[out[1][i]!] = out[1][i + 1]!;
    return { from: out[0], hash };
  }

  /** Rewrites `data` of job `id` if it is FAILED. */
  async writeIfFailed(k: QueueKeys, id: string, data: unknown): Promise<boolean> {
    return (await this.#run(WRITE_IF_FAILED, 2, k.job(id), k.key("failed"), id, JSON.stringify(data))) === 1;
  }
}
