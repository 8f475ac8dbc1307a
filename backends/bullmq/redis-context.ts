/**
 * One open BullMQ store: errand's Redis connection, a BullMQ `Queue` per errand queue name (for
 * adding, reading and moving jobs) and, for claims, a BullMQ `Worker` per queue used only through
 * its manual-processing API (`getNextJob`). Everything shares errand's connection except each
 * Worker's blocking connection, which BullMQ makes itself.
 */
import type { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { logger } from "../../src/logger.js";
import { openClient, withTimeout } from "./connection.js";
import { QueueKeys, queuesKey } from "./keys.js";
import { BULLMQ_DEFAULTS, type BullMQBackendOptions } from "./options.js";
import { loadBullMQ, type BullMQPeers } from "./peers.js";
import { Scripts } from "./scripts.js";
import { STREAM_START } from "./wake-gate.js";

/** The open store's connection and per-queue BullMQ objects. */
export class RedisContext {
  readonly #queues = new Map<string, Queue>();
  readonly #workers = new Map<string, Worker>();
  readonly #registered = new Set<string>();
  #known: string[] | undefined;
  readonly scripts: Scripts;
  #workerClient: Redis | undefined;

  private constructor(
    readonly peers: BullMQPeers,
    readonly client: Redis,
    readonly owned: boolean,
    readonly prefix: string,
    readonly where: string,
    readonly lockDurationMs: number,
  ) {
    this.scripts = new Scripts(client);
  }

  /**
   * Connects (bounded by `connectTimeoutMs`).
   * @throws ErrandError when bullmq is not installed; RedisUnavailableError when Redis cannot be reached.
   */
  static async open(options: BullMQBackendOptions): Promise<RedisContext> {
    const peers = await loadBullMQ();
    const { client, owned, where } = await openClient(options);
    return new RedisContext(peers, client, owned, options.prefix ?? BULLMQ_DEFAULTS.prefix, where, options.leaseMs ?? BULLMQ_DEFAULTS.leaseMs);
  }

  keys(queueName: string): QueueKeys {
    return new QueueKeys(this.prefix, queueName);
  }

  /** The BullMQ Queue of `queueName`. */
  queue(queueName: string): Queue {
    let queue = this.#queues.get(queueName);
    if (!queue) {
      queue = new this.peers.bullmq.Queue(queueName, { connection: this.client, prefix: this.prefix, skipVersionCheck: true });
      queue.on("error", (error) => logger.debug({ queue: queueName, error: (error as Error).message }, "BullMQ queue error"));
      this.#queues.set(queueName, queue);
    }
    return queue;
  }

  /** The BullMQ Worker of `queueName`, for `getNextJob` only (no processor, never run). */
  worker(queueName: string): Worker {
    let worker = this.#workers.get(queueName);
    if (!worker) {
      // BullMQ demands maxRetriesPerRequest: null on a Worker's connections (it derives its blocking
      // one from it): the Workers share one such duplicate, and callers bound their waits themselves.
      this.#workerClient ??= this.client.duplicate({ maxRetriesPerRequest: null });
      this.#workerClient.on("error", () => undefined);
      worker = new this.peers.bullmq.Worker(queueName, undefined, {
        connection: this.#workerClient,
        prefix: this.prefix,
        autorun: false,
        lockDuration: this.lockDurationMs,
        skipVersionCheck: true,
      });
      worker.on("error", (error) => logger.debug({ queue: queueName, error: (error as Error).message }, "BullMQ worker error"));
      this.#workers.set(queueName, worker);
    }
    return worker;
  }

  /**
   * The id of the last entry of `queueName`'s event stream (`0-0` when it has none), read on the
   * Workers' connection: Redis runs it before any `getNextJob` called after it (wake-gate.ts).
   */
  lastEventId(queueName: string): Promise<string> {
    const client = this.#workerClient ?? this.client;
    return client.xrevrange(this.keys(queueName).key("events"), "+", "-", "COUNT", 1).then((r) => r[0]?.[0] ?? STREAM_START);
  }

  /** Records `queueName` among errand's queues (once per process). */
  async registerQueue(queueName: string): Promise<void> {
    if (this.#registered.has(queueName)) return;
    await this.client.sadd(queuesKey(this.prefix), queueName);
    this.#registered.add(queueName);
    if (this.#known && !this.#known.includes(queueName)) this.#known = [...this.#known, queueName].sort();
  }

  /** {@link knownQueues} as last read by this process (with the queues it registered since), or `undefined` before the first read. */
  cachedQueues(): string[] | undefined {
    return this.#known;
  }

  /** Every queue errand enqueued to under this prefix, from any process, sorted. */
  async knownQueues(): Promise<string[]> {
    return (this.#known = (await this.client.smembers(queuesKey(this.prefix))).sort());
  }

  /** Closes the BullMQ objects, then the connection if errand made it. */
  async close(): Promise<void> {
    const all = [...this.#workers.values(), ...this.#queues.values()];
    this.#workers.clear();
    this.#queues.clear();
    // A Worker or Queue whose connection is down may never finish closing: bounded.
    await Promise.all(all.map((o) => withTimeout(o.close(), 5_000, this.where).catch(() => undefined)));
    this.#workerClient?.disconnect();
    this.#workerClient = undefined;
    if (this.owned) await this.client.quit().catch(() => this.client.disconnect());
  }
}
