/**
 * Wake-ups from BullMQ's event streams (`<prefix>:<queue>:events`, what `QueueEvents` reads): one
 * blocking `XREAD` on a connection of its own over the streams of the queues whose last claim came
 * back short (wake-gate.ts: a busy worker reads no events at all). A `waiting` event
 * (a job added, or a delayed one promoted) wakes the listener with its queue name; `waiting` after
 * `active` is a job handed back (a release, or a claim putting back a name it cannot run) and
 * wakes no one, or two workers that cannot run a job would wake each other forever.
 */
import type { Redis } from "ioredis";
import type { Disposer, WakeListener } from "../../src/worker/store.js";
import type { RedisContext } from "./redis-context.js";
import type { WakeGate } from "./wake-gate.js";

/** How long one XREAD blocks, in milliseconds: also how soon a new queue is noticed. */
const BLOCK_MS = 2_000;

/** Starts watching for due work in the queues `gate` arms (see the file comment and wake-gate.ts). */
export async function watchQueues(ctx: RedisContext, gate: WakeGate, listener: WakeListener): Promise<Disposer> {
  return followEvents(ctx, (queueName, event, prev) => {
    if (event === "waiting" && prev !== "active") listener(queueName);
  }, (queueName) => listener(queueName), gate);
}

/**
 * Follows the event streams of every errand queue (new queues within {@link BLOCK_MS}), or with a
 * `gate` only those it arms: `onEvent` gets each event's queue, name and `prev` field; `onGap`
 * runs for a queue seen for the first time, and with no queue after a connection loss (events may
 * have been missed meanwhile).
 */
export async function followEvents(
  ctx: RedisContext,
  onEvent: (queueName: string, event: string | undefined, prev: string | undefined) => void,
  onGap: (queueName?: string) => void,
  gate?: WakeGate,
): Promise<Disposer> {
  const conn: Redis = ctx.client.duplicate({ maxRetriesPerRequest: null, lazyConnect: true });
  conn.on("error", () => undefined);
  let connId: number | undefined;
  conn.on("close", () => (connId = undefined));
  let stopped = false;
  // The queues the XREAD in flight reads, and a wake for the idle wait.
  let reading: Set<string> | undefined;
  let wakeIdle: (() => void) | undefined;
  const offArm = gate?.onArm((queueName) => {
    wakeIdle?.();
    const now = reading;
    if (now && !now.has(queueName)) void unblock(ctx, () => connId, () => reading === now);
  });
  const loop = (async () => {
    const seen = new Set<string>();
    const last = new Map<string, string>();
    let healthy = true;
    while (!stopped) {
      try {
        if (conn.status === "wait") await conn.connect();
        connId ??= Number(await conn.client("ID"));
        for (const q of await ctx.knownQueues()) {
          if (seen.has(q)) continue;
          seen.add(q);
          if (!gate) last.set(q, "$");
          // A queue seen for the first time may already hold work.
          onGap(q);
        }
        if (!healthy) onGap();
        healthy = true;
        const streams = gate ? gate.armed() : last;
        if (streams.size === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, BLOCK_MS);
            timer.unref();
            wakeIdle = () => (clearTimeout(timer), resolve());
          });
          wakeIdle = undefined;
          continue;
        }
        const names = [...streams.keys()];
        reading = new Set(names);
        const reply = (await conn.xread("BLOCK", BLOCK_MS, "STREAMS", ...names.map((q) => ctx.keys(q).key("events")), ...names.map((q) => streams.get(q)!))) as
          | [string, [string, string[]][]][]
          | null;
        reading = undefined;
        for (const [stream, entries] of reply ?? []) {
          const q = names.find((n) => ctx.keys(n).key("events") === stream);
          if (q === undefined) continue;
          for (const [entryId, fields] of entries) {
            if (gate) gate.advance(q, entryId);
            else last.set(q, entryId);
            onEvent(q, field(fields, "event"), field(fields, "prev"));
          }
        }
      } catch {
        reading = undefined;
        if (stopped) break;
        healthy = false;
        await sleep(1_000);
      }
    }
  })();
  return async () => {
    if (stopped) return;
    stopped = true;
    offArm?.();
    wakeIdle?.();
    conn.disconnect();
    await loop;
  };
}

/**
 * Ends the blocking XREAD of `reading` early (`CLIENT UNBLOCK`), so that the next one reads a
 * queue armed meanwhile; retried briefly while the XREAD has not reached the server yet.
 */
async function unblock(ctx: RedisContext, connId: () => number | undefined, stillReading: () => boolean): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const id = connId();
    if (id === undefined) return;
    const done = await ctx.client.client("UNBLOCK", id).catch(() => 1);
    if (done === 1) return;
    await sleep(5);
    // A new XREAD (a new set) already reads the armed queue.
    if (!stillReading()) return;
  }
}
function field(fields: string[], name: string): string | undefined {
  const i = fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
