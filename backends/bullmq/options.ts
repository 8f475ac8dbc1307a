import type { Redis, RedisOptions } from "ioredis";
import { backoffProblem, type Backoff } from "../../src/backoff.js";
import { didYouMean } from "../../src/did-you-mean.js";
import type { QueueLimitOptions } from "../../src/limits.js";
import { InvalidTaskBackendError } from "../../src/errors.js";

/**
 * `OPTIONS` of a {@link BullMQBackend} entry in `TASKS`. The attempt policy (`maxAttempts`,
 * `backoff`, `timeout`, `leaseMs`) has the DatabaseBackend's names and defaults, so a task behaves
 * the same on every store.
 */
export interface BullMQBackendOptions {
  /** The Redis server: `redis://[user:password@]host:port[/db]` or `rediss://…`. Ignored when `connection` is given. @defaultValue `"redis://127.0.0.1:6379"` */
  url?: string;
  /** An ioredis instance to share (errand never closes it) or ioredis options to connect with. */
  connection?: Redis | RedisOptions;
  /** BullMQ's key prefix: every key is `<prefix>:<queue name>:…`. @defaultValue `"errand"` */
  prefix?: string;
  /** Milliseconds to wait for Redis to answer the first connection before failing. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** Default attempts per task (a task's own `maxAttempts` wins). @defaultValue 1 */
  maxAttempts?: number;
  /** Default back-off between attempts. @defaultValue exponential from 1 s, with jitter */
  backoff?: Backoff;
  /** Default milliseconds an attempt may run; `null` for no limit. @defaultValue null */
  timeout?: number | null;
  /**
   * Milliseconds a claimed task stays leased (BullMQ's job lock, which Redis expires) without
   * renewal; workers renew every third of it. @defaultValue 30000
   */
  leaseMs?: number;
  /**
   * Limits per queue (DESIGN §7): `concurrency` and `rateLimit: { limit, perMs }`, set on BullMQ's
   * own global concurrency and global rate limiter (a fixed window, see `queue-limits.ts`) by the
   * first claim of a worker that has them. Every queue named must be in `QUEUES` unless it is `[]`.
   * @defaultValue none
   */
  queues?: Readonly<Record<string, QueueLimitOptions>>;
}

/** The defaults of {@link BullMQBackendOptions}. */
export const BULLMQ_DEFAULTS = {
  url: "redis://127.0.0.1:6379",
  prefix: "errand",
  connectTimeoutMs: 10_000,
  maxAttempts: 1,
  leaseMs: 30_000,
} as const;

const KNOWN = ["url", "connection", "prefix", "connectTimeoutMs", "maxAttempts", "backoff", "timeout", "leaseMs", "queues"];

/**
 * Checks `OPTIONS` of the backend `alias`.
 * @throws InvalidTaskBackendError naming `TASKS.<alias>.OPTIONS.<field>` and the fix.
 */
export function checkBullMQOptions(alias: string, options: Record<string, unknown>): BullMQBackendOptions {
  const field = (name: string) => `TASKS.${alias}.OPTIONS.${name}`;
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new InvalidTaskBackendError(`${field(key)} is not an option of BullMQBackend${didYouMean(key, KNOWN)}; known: ${KNOWN.join(", ")}.`);
  }
  const o = options as BullMQBackendOptions & Record<string, unknown>;
  if ("url" in o && o.url === undefined && o.connection === undefined) {
    throw new InvalidTaskBackendError(`${field("url")} is undefined: is REDIS_URL (or the variable you read it from) set? Leave the key out for "${BULLMQ_DEFAULTS.url}".`);
  }
  if (o.url !== undefined && !(typeof o.url === "string" && /^rediss?:\/\/[^\s]*$/i.test(o.url.trim()))) {
    const shown = typeof o.url === "string" ? JSON.stringify(redactRedisUrl(o.url)) : String(o.url);
    throw new InvalidTaskBackendError(`${field("url")} must be "redis://host:6379" (or rediss:// for TLS); got ${shown}.`);
  }
  if (o.connection !== undefined && (o.connection === null || typeof o.connection !== "object")) {
    throw new InvalidTaskBackendError(`${field("connection")} must be an ioredis instance or ioredis options ({ host, port, … }).`);
  }
  if (o.prefix !== undefined && !(typeof o.prefix === "string" && /^[^\s:]{1,64}$/.test(o.prefix))) {
    throw new InvalidTaskBackendError(`${field("prefix")} must be 1 to 64 characters without spaces or ':'; got ${JSON.stringify(o.prefix)}.`);
  }
  if (o.connectTimeoutMs !== undefined && !(Number.isInteger(o.connectTimeoutMs) && o.connectTimeoutMs >= 1)) {
    throw new InvalidTaskBackendError(`${field("connectTimeoutMs")} must be a whole number of milliseconds >= 1; got ${String(o.connectTimeoutMs)}.`);
  }
  if (o.maxAttempts !== undefined && !(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1)) {
    throw new InvalidTaskBackendError(`${field("maxAttempts")} must be a whole number >= 1; got ${String(o.maxAttempts)}.`);
  }
  const backoff = backoffProblem(o.backoff, field("backoff"));
  if (backoff) throw new InvalidTaskBackendError(`${backoff}.`);
  if (o.timeout !== undefined && o.timeout !== null && !(typeof o.timeout === "number" && Number.isFinite(o.timeout) && o.timeout > 0)) {
    throw new InvalidTaskBackendError(`${field("timeout")} must be a number of milliseconds > 0, or null; got ${String(o.timeout)}.`);
  }
  if (o.leaseMs !== undefined && !(typeof o.leaseMs === "number" && Number.isFinite(o.leaseMs) && o.leaseMs >= 1000)) {
    throw new InvalidTaskBackendError(`${field("leaseMs")} must be a number of milliseconds >= 1000; got ${String(o.leaseMs)}.`);
  }
  return o;
}

/** `url` with its password replaced by `***`, for messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}
