/**
 * Reading tasks out of BullMQ's lists and sets. BullMQ keeps no index by task name, status across
 * queues or enqueue time, so the read side (admin, HTTP, `errand status`, purge) reads every job of
 * the queues concerned in two pipelined round trips and filters in the process: fine for the
 * tens of thousands of jobs a Redis queue usually holds; keep finished jobs purged.
 */
import type { TaskRecord } from "../../src/worker/task-record.js";
import { hashToRecord, type BullState } from "./job-data.js";
import type { RedisContext } from "./redis-context.js";

const LISTS: BullState[] = ["wait", "paused", "active"];
const SETS: BullState[] = ["prioritized", "delayed", "waiting-children", "completed", "failed"];

/** Every errand task in `queues` (jobs errand cannot decode are left out), with the given states only when `states` is set. */
export async function readTasks(ctx: RedisContext, queues: readonly string[], states: readonly BullState[] = [...LISTS, ...SETS]): Promise<TaskRecord[]> {
  const ids = ctx.client.pipeline();
  const asked: { queueName: string; state: BullState }[] = [];
  for (const queueName of queues) {
    const k = ctx.keys(queueName);
    for (const state of states) {
      asked.push({ queueName, state });
      if (LISTS.includes(state)) ids.lrange(k.key(state), 0, -1);
      else ids.zrange(k.key(state), "0", "-1", "WITHSCORES");
    }
  }
  const idReplies = (await ids.exec()) ?? [];
  const jobs: { id: string; queueName: string; state: BullState; score?: number }[] = [];
  idReplies.forEach(([error, reply], i) => {
    if (error) throw error;
    const { queueName, state } = asked[i]!;
    const list = reply as string[];
    if (LISTS.includes(state)) for (const id of list) jobs.push({ id, queueName, state });
    else for (let j = 0; j < list.length; j += 2) jobs.push({ id: list[j]!, queueName, state, score: Number(list[j + 1]) });
  });
  if (jobs.length === 0) return [];
  const hashes = ctx.client.pipeline();
  for (const job of jobs) {
    const k = ctx.keys(job.queueName);
    hashes.hgetall(k.job(job.id));
    if (job.state === "active") hashes.pttl(k.lock(job.id));
  }
  const replies = (await hashes.exec()) ?? [];
  const now = Date.now();
  const out: TaskRecord[] = [];
  let r = 0;
  for (const job of jobs) {
    const [error, hash] = replies[r++]!;
    if (error) throw error;
    const lockTtlMs = job.state === "active" ? Number(replies[r++]![1]) : undefined;
    const record = decode(job.id, hash as Record<string, string>, {
      queueName: job.queueName,
      state: job.state,
      now,
      ...(lockTtlMs !== undefined && { lockTtlMs }),
      // A delayed job's score is its due time × 4096 plus a counter (BullMQ's getDelayedScore).
      ...(job.state === "delayed" && job.score !== undefined && { delayedUntil: Math.floor(job.score / 0x1000) }),
    });
    if (record) out.push(record);
  }
  return out;
}

/** Where job `id` is in `queueName`: its record, or `undefined` when it is not there or not errand's. */
export async function readTask(ctx: RedisContext, queueName: string, id: string): Promise<TaskRecord | undefined> {
  const k = ctx.keys(queueName);
  const p = ctx.client.pipeline().hgetall(k.job(id)).pttl(k.lock(id));
  for (const state of LISTS) p.lpos(k.key(state), id);
  for (const state of SETS) p.zscore(k.key(state), id);
  const replies = (await p.exec()) ?? [];
  for (const [error] of replies) if (error) throw error;
  const hash = replies[0]![1] as Record<string, string>;
  if (!hash || Object.keys(hash).length === 0) return undefined;
  const states = [...LISTS, ...SETS];
  const at = replies.slice(2).findIndex(([, v]) => v !== null);
  const state = at >= 0 ? states[at]! : "wait";
  const score = at >= 0 ? replies[2 + at]![1] : null;
  return decode(id, hash, {
    queueName,
    state,
    now: Date.now(),
    lockTtlMs: Number(replies[1]![1]),
    ...(state === "delayed" && score !== null && { delayedUntil: Math.floor(Number(score) / 0x1000) }),
  });
}

function decode(id: string, hash: Record<string, string>, place: Parameters<typeof hashToRecord>[2]): TaskRecord | undefined {
  if (!hash || Object.keys(hash).length === 0) return undefined;
  try {
    return hashToRecord(id, hash, place);
  } catch {
    return undefined;
  }
}
