/**
 * The jobs a store instance holds (claimed and not yet settled): their BullMQ `Job` (to call
 * `moveToCompleted`/`moveToFailed`/`moveToDelayed`/`moveToWait` on), queue and errand data, so
 * settling a claimed task costs no lookup. A job claimed elsewhere is found through Redis.
 */
import type { Job } from "bullmq";
import { isErrandData, parseErrandData, type ErrandJobData } from "./job-data.js";
import type { RedisContext } from "./redis-context.js";
import type { Slot } from "./task-limits.js";

/** One job, as far as settling it needs. */
export interface HeldJob {
  queueName: string;
  /** The BullMQ job, when this process has it. */
  job?: Job;
  /** errand's data as last written, or `null` when the job is not errand's. */
  data: ErrandJobData | null;
  /** The slot of its task's concurrency limit this attempt holds (task-limits.ts), if any. */
  slot?: Slot;
}

/** errand data of a value (`job.data`, already parsed by BullMQ), or `null` when it is not errand's shape (see parseErrandData). */
export function errandDataOf(value: unknown): ErrandJobData | null {
  return isErrandData(value) ? value : null;
}

/** The held jobs of one store instance, by task id. */
export class HeldJobs {
  readonly #byId = new Map<string, HeldJob>();

  constructor(private readonly ctx: () => Promise<RedisContext>) {}

  remember(id: string, held: HeldJob): void {
    this.#byId.set(id, held);
  }

  /** Records the limit slot the attempt of held job `id` holds. */
  setSlot(id: string, slot: Slot): void {
    const held = this.#byId.get(id);
    if (held) held.slot = slot;
  }

  /** The job with this id if this process holds it (no lookup). */
  peek(id: string): HeldJob | undefined {
    return this.#byId.get(id);
  }

  forget(id: string): void {
    this.#byId.delete(id);
  }

  /** The job with this id: held here, or found in one of errand's queues; `undefined` when none has it. */
  async find(id: string, queues?: string[]): Promise<HeldJob | undefined> {
    const held = this.#byId.get(id);
    if (held) return held;
    const ctx = await this.ctx();
    const queueName = await findQueue(ctx, id, queues);
    if (queueName === undefined) return undefined;
    const raw = await ctx.client.hget(ctx.keys(queueName).job(id), "data");
    let data: ErrandJobData | null = null;
    try {
      data = parseErrandData(raw ?? undefined);
    } catch {
      data = null;
    }
    return { queueName, data };
  }

  /** The BullMQ job of `held` (loaded when this process does not have it). */
  async job(id: string, held: HeldJob): Promise<Job | undefined> {
    if (held.job) return held.job;
    const ctx = await this.ctx();
    return (await ctx.peers.bullmq.Job.fromId(ctx.queue(held.queueName), id)) ?? undefined;
  }
}

/** The errand queue holding a job with this id, if any. */
export async function findQueue(ctx: RedisContext, id: string, queues?: string[]): Promise<string | undefined> {
  const names = queues ?? (await ctx.knownQueues());
  if (names.length === 0) return undefined;
  const p = ctx.client.pipeline();
  for (const q of names) p.exists(ctx.keys(q).job(id));
  const replies = (await p.exec()) ?? [];
  const at = replies.findIndex(([error, n]) => !error && n === 1);
  return at >= 0 ? names[at] : undefined;
}
