/**
 * Wake-ups from BullMQ's event streams (`<prefix>:<queue>:events`, what `QueueEvents` reads): one
 * blocking `XREAD` over every errand queue's stream on a connection of its own. A `waiting` event
 * (a job added, or a delayed one promoted) wakes the listener with its queue name; `waiting` after
 * `active` is a job handed back (a release, or a claim putting back a name it cannot run) and
 * wakes no one, or two workers that cannot run a job would wake each other forever.
 */
import type { Redis } from "ioredis";
import type { Disposer, WakeListener } from "../../src/worker/store.js";
import type { RedisContext } from "./redis-context.js";

/** How long one XREAD blocks, in milliseconds: also how soon a new queue is noticed. */
const BLOCK_MS = 2_000;

/** Starts watching for due work (see the file comment). */
export async function watchQueues(ctx: RedisContext, listener: WakeListener): Promise<Disposer> {
  return followEvents(ctx, (queueName, event, prev) => {
    if (event === "waiting" && prev !== "active") listener(queueName);
  }, (queueName) => listener(queueName));
}

/**
 * Follows the event streams of every errand queue (new queues within {@link BLOCK_MS}): `onEvent`
 * gets each event's queue, name and `prev` field; `onGap` runs for a queue seen for the first
 * time, and with no queue after a connection loss (events may have been missed meanwhile).
 */
export async function followEvents(
  ctx: RedisContext,
  onEvent: (queueName: string, event: string | undefined, prev: string | undefined) => void,
  onGap: (queueName?: string) => void,
): Promise<Disposer> {
  const conn: Redis = ctx.client.duplicate({ maxRetriesPerRequest: null, lazyConnect: true });
  conn.on("error", () => undefined);
  let stopped = false;
  const loop = (async () => {
    const last = new Map<string, string>();
    let healthy = true;
    while (!stopped) {
      try {
        if (conn.status === "wait") await conn.connect();
        for (const q of await ctx.knownQueues()) {
          if (last.has(q)) continue;
          last.set(q, "$");
          // A queue seen for the first time may already hold work.
          onGap(q);
        }
        if (!healthy) onGap();
        healthy = true;
        if (last.size === 0) {
          await sleep(BLOCK_MS);
          continue;
        }
        const names = [...last.keys()];
        const reply = (await conn.xread("BLOCK", BLOCK_MS, "STREAMS", ...names.map((q) => ctx.keys(q).key("events")), ...names.map((q) => last.get(q)!))) as
          | [string, [string, string[]][]][]
          | null;
        for (const [stream, entries] of reply ?? []) {
          const q = names.find((n) => ctx.keys(n).key("events") === stream);
          if (q === undefined) continue;
          for (const [entryId, fields] of entries) {
            last.set(q, entryId);
            onEvent(q, field(fields, "event"), field(fields, "prev"));
          }
        }
      } catch {
        if (stopped) break;
        healthy = false;
        await sleep(1_000);
      }
    }
  })();
  return async () => {
    if (stopped) return;
    stopped = true;
    conn.disconnect();
    await loop;
  };
}

function field(fields: string[], name: string): string | undefined {
  const i = fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
