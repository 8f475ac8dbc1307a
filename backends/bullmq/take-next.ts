/**
 * The moves of a claim: the next `n` jobs of a queue, each moved to active under the claimer's
 * token by BullMQ's own `moveToActive` (what `Worker.getNextJob` runs), its attempt recorded in the
 * same script (finish-and-record.ts `activeCommand`), so a claim costs one round trip instead of
 * two (the move, then the attempt record of begin-attempts.ts).
 *
 * This reaches under BullMQ's public API as bull-moves.ts does: the Worker's `backend` and its
 * `moveToActive`, run with the combined script in place of BullMQ's (one object per move whose
 * `execCommand` runs it). Where any of it is missing, or the script text is not found, the claim
 * takes `Worker.getNextJob` and records the attempts itself (`recorded: false`); errand's
 * priority 0 is then prioritized at enqueue (priority.ts), so BullMQ's own order is errand's.
 */
import type { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Taken } from "./begin-attempts.js";
import { activeCommand } from "./finish-and-record.js";
import type { RedisContext } from "./redis-context.js";

/** The part of BullMQ's Worker backend a move uses (`RedisQueueBackend` in BullMQ 6). */
interface ActiveBackend {
  moveToActive(token: string, name?: string): Promise<unknown[]>;
  execCommand(client: unknown, commandName: string, args: unknown[]): unknown;
  queue: { client: Promise<Redis> };
  version?: string;
}

/** BullMQ's backend of `worker`, when it has what {@link ActiveBackend} needs. */
function backendOf(worker: Worker): ActiveBackend | undefined {
  const b = (worker as unknown as { backend?: Partial<ActiveBackend> }).backend;
  return b && typeof b.moveToActive === "function" && typeof b.execCommand === "function" && b.queue ? (b as ActiveBackend) : undefined;
}

/**
 * Moves up to `n` jobs of `worker`'s queue to active under `token` (fewer when the queue runs dry, is
 * paused or rate limited), in queue order; each with its attempt recorded where the script could.
 * The move locks each job for `leaseMs` (the script's extra argument, in place of the Worker's
 * `lockDuration`) and takes a positive priority before the `wait` list (priority.ts).
 */
export async function takeNext(ctx: RedisContext, worker: Worker, token: string, n: number, leaseMs: number): Promise<Taken[]> {
  const backend = backendOf(worker);
  const client = backend && (await backend.queue.client);
  const command = client && activeCommand(client, backend.version);
  if (!backend || !command) {
    const jobs = await Promise.all(Array.from({ length: n }, () => worker.getNextJob(token, { block: false })));
    return jobs.filter((job): job is Job => Boolean(job?.id)).map((job) => ({ job, token, recorded: false }));
  }
  const run = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown[]>>)[command]!.bind(client);
  const replies = await Promise.all(Array.from({ length: n }, async () => {
    let raw: unknown[] | undefined;
    // BullMQ's own move (its keys and arguments), the combined script run in its place.
    const move = Object.create(backend, {
      execCommand: { value: async (_client: unknown, _name: string, args: unknown[]) => (raw = await run(...args, leaseMs)) },
    }) as ActiveBackend;
    const [jobData, id] = await move.moveToActive(token);
    return { jobData, id, recorded: raw?.[4] === "recorded" };
  }));
  const out: Taken[] = [];
  for (const { jobData, id, recorded } of replies) {
    if (!jobData || typeof id !== "string") continue;
    const job = ctx.peers.bullmq.Job.fromJSON(worker, jobData as never, id);
    job.token = token;
    out.push({ job, token, recorded });
  }
  return out;
}
