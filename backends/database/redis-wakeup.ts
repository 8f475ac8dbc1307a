/**
 * `OPTIONS.wakeup`: Redis pub/sub as a wake-up channel for the dialects without NOTIFY (SQLite, the
 * MySQL family), the design of django-task-worker: the database is the only record of tasks, a
 * message only says "look now". Losing one costs a poll interval, never a task, so publishing is
 * fire-and-forget (Redis being down never fails an enqueue) and subscribers reconnect by themselves.
 */
import type { Redis, RedisOptions } from "ioredis";
import type * as IORedis from "ioredis";
import { MissingPeerError } from "../../src/errors.js";
import { logger } from "../../src/logger.js";
import { importOptional } from "../../src/optional-import.js";
import type { Disposer } from "../../src/worker/store.js";
import { redactUrl } from "./database-errors.js";

/** How long `subscribe` waits for Redis to confirm before going on (the subscription completes later by itself). */
const SUBSCRIBE_WAIT_MS = 2_000;
/** How long `close` waits for publishes still in flight. */
const CLOSE_WAIT_MS = 1_000;

let loading: Promise<typeof IORedis> | undefined;

/**
 * Loads `ioredis` once per process.
 * @throws MissingPeerError naming `npm install ioredis` when it is not installed.
 */
export function loadIoredis(): Promise<typeof IORedis> {
  loading ??= (async () => {
    const loaded = await importOptional(() => import("ioredis"));
    if (loaded instanceof Error) {
      throw new MissingPeerError({ packageName: "ioredis", feature: "DatabaseBackend's OPTIONS.wakeup", message: "DatabaseBackend's OPTIONS.wakeup needs ioredis: npm install ioredis" }, { cause: loaded });
    }
    return loaded;
  })();
  // A failed load is not cached: installing the package and retrying works without a restart.
  loading.catch(() => (loading = undefined));
  return loading;
}

/** Reconnection back-off: 100 ms doubling to 5 s, forever (polling covers the gap). */
const retryStrategy = (times: number) => Math.min(5_000, 100 * 2 ** Math.min(times - 1, 6));

/** The wake-up channel of one backend: one publishing connection, one subscribing connection per `subscribe`. */
export class RedisWakeup {
  readonly #url: string;
  readonly #name: string;
  #ioredis: typeof IORedis | undefined;
  #publisher: Redis | undefined;
  /** Whether a failed publish was logged in the current outage (once per outage). */
  #publishWarned = false;

  /**
   * @param url - `OPTIONS.wakeup` (checked).
   * @param name - the backend alias, for logs.
   */
  constructor(url: string, name: string) {
    this.#url = url.trim();
    this.#name = name;
  }

  /** Where it points, for logs (never the password). */
  get where(): string {
    return `Redis at ${redactUrl(this.#url)}`;
  }

  /** Loads ioredis. @throws MissingPeerError when it is not installed. */
  async open(): Promise<void> {
    this.#ioredis ??= await loadIoredis();
  }

  #client(options: RedisOptions): Redis {
    if (!this.#ioredis) throw new Error("RedisWakeup.open() was not awaited");
    return new this.#ioredis.Redis(this.#url, { connectTimeout: 5_000, retryStrategy, ...options });
  }

  /**
   * Publishes `message` on `channel` without waiting: a failure (Redis down) is logged once per
   * outage and otherwise ignored. The first call connects.
   */
  publish(channel: string, message: string): void {
    if (!this.#publisher) {
      // One attempt per reconnection for each queued publish, so an outage holds few of them.
      const client = this.#client({ maxRetriesPerRequest: 1 });
      client.on("error", () => undefined);
      // Neither the idle connection nor its reconnection timer keeps the process alive: a script
      // that enqueues and ends (without closing the backend) exits as it does without `wakeup`.
      const internals = client as unknown as { stream?: { unref?: () => void }; reconnectTimeout?: NodeJS.Timeout | null };
      client.on("ready", () => {
        internals.stream?.unref?.();
        if (this.#publishWarned) logger.info({ backend: this.#name, wakeup: this.where }, "wake-up channel restored");
        this.#publishWarned = false;
      });
      client.on("reconnecting", () => internals.reconnectTimeout?.unref());
      this.#publisher = client;
    }
    this.#publisher.publish(channel, message).catch((error: unknown) => {
      if (this.#publishWarned) return;
      this.#publishWarned = true;
      logger.warn(
        { backend: this.#name, wakeup: this.where, err: (error as Error)?.message },
        "wake-up channel unavailable: enqueues still succeed, workers poll at their interval until it is back",
      );
    });
  }

  /**
   * Subscribes to `channel` on a connection of its own, which reconnects with back-off (100 ms
   * doubling to 5 s) and subscribes again. Waits at most 2 s for Redis to confirm: a server that is
   * down does not hold the caller up (the subscription is made once it is back).
   * @param onMessage - each message's text.
   * @param onReconnect - after every reconnection (messages sent meanwhile were lost).
   */
  async subscribe(channel: string, onMessage: (message: string) => void, onReconnect: () => void): Promise<Disposer> {
    const sub = this.#client({ maxRetriesPerRequest: null });
    let readyOnce = false;
    let warned = false;
    sub.on("message", (ch: string, message: string) => {
      if (ch === channel) onMessage(message);
    });
    sub.on("error", (error: Error) => {
      if (warned) return;
      warned = true;
      logger.warn({ backend: this.#name, wakeup: this.where, channel, err: error.message }, "wake-up channel unavailable; polling until it is back");
    });
    sub.on("ready", () => {
      if (warned) logger.info({ backend: this.#name, wakeup: this.where, channel }, "wake-up channel restored");
      warned = false;
      if (readyOnce) onReconnect();
      readyOnce = true;
    });
    const subscribed = sub.subscribe(channel).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))]);
    clearTimeout(timer);
    let closed = false;
    return async () => {
      if (closed) return;
      closed = true;
      sub.removeAllListeners("message");
      sub.removeAllListeners("ready");
      sub.disconnect();
    };
  }

  /** Closes the publishing connection, after the publishes in flight (at most 1 s). */
  async close(): Promise<void> {
    const client = this.#publisher;
    this.#publisher = undefined;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    client.disconnect();
  }
}
