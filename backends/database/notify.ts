import type { Client, ClientConfig } from "pg";
import { logger } from "../../src/logger.js";
import type { ErrandOrm } from "./orm.js";

/** The NOTIFY channel of a task table: enqueues on PostgreSQL notify it with the task's queue name. */
export function notifyChannel(tableName: string): string {
  return `errand_${tableName}`;
}

/** The NOTIFY channel on which completions of a task table announce that some task finished. */
export function finishedChannel(tableName: string): string {
  return `errand_${tableName}_finished`;
}

/** The NOTIFY channel on which cancellations of running tasks of a task table announce the task's id. */
export function cancelChannel(tableName: string): string {
  return `errand_${tableName}_cancel`;
}

/** Options of {@link TaskListener}. */
export interface TaskListenerOptions {
  orm: ErrandOrm;
  channel: string;
  /** Called with the payload (a queue name) of each notification. */
  onNotify: (payload: string) => void;
  /** Called after (re)connecting, since notifications sent while disconnected are lost. */
  onReconnect?: () => void;
  /** A name for the logs (the worker id). */
  name: string;
}

/**
 * A dedicated PostgreSQL connection that LISTENs on a channel and reconnects by itself with back-off
 * (100 ms doubling to 5 s) when the connection drops. Built from the ORM's own pool options, so it
 * connects wherever the ORM does. Polling stays the fallback while it is down.
 */
export class TaskListener {
  readonly #options: TaskListenerOptions;
  #client: Client | undefined;
  #closed = false;
  #retryDelay = 100;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: TaskListenerOptions) {
    this.#options = options;
  }

  /** Connects and LISTENs; failures are logged and retried, never thrown. */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Whether the LISTEN connection is up. */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const { orm, channel, name } = this.#options;
    let client: Client | undefined;
    try {
      const pg = (await import("pg")).default;
      const pool = (await orm.driver.getConnection().getNativeClient()) as { options: ClientConfig };
      client = new pg.Client({ ...pool.options, application_name: "errand-listener" } as ClientConfig);
      client.on("notification", (msg) => {
        if (msg.channel === channel) this.#options.onNotify(msg.payload ?? "");
      });
      client.on("error", (error) => this.#lost(client!, error));
      client.on("end", () => this.#lost(client!, new Error("connection ended")));
      await client.connect();
      await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      if (this.#closed) {
        await client.end().catch(() => undefined);
        return;
      }
      const wasRetrying = this.#retryDelay > 100;
      this.#client = client;
      this.#retryDelay = 100;
      if (wasRetrying) logger.info({ worker: name, channel }, "LISTEN connection restored");
      this.#options.onReconnect?.();
    } catch (error) {
      client?.removeAllListeners();
      client?.end().catch(() => undefined);
      this.#scheduleRetry(error);
    }
  }

  #lost(client: Client, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.removeAllListeners();
    client.on("error", () => undefined);
    client.end().catch(() => undefined);
    if (!this.#closed) this.#scheduleRetry(error);
  }

  #scheduleRetry(error: unknown): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(5000, delay * 2);
    logger.warn({ worker: this.#options.name, err: (error as Error)?.message, retryInMs: delay }, "LISTEN connection unavailable; polling until it is back");
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
    this.#retryTimer.unref();
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
