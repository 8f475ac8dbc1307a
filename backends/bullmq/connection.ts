/**
 * errand's Redis connection: made from `url` or `connection` options (or an instance the user
 * shares), bounded so that nothing hangs while Redis is away, and the errors worth retrying.
 */
import type { Redis, RedisOptions } from "ioredis";
import { ErrandError } from "../../src/errors.js";
import { BULLMQ_DEFAULTS, redactRedisUrl, type BullMQBackendOptions } from "./options.js";
import { loadBullMQ } from "./peers.js";

/** Redis could not be reached or stopped answering: worth retrying. */
export class RedisUnavailableError extends ErrandError {}

/** A connection and whether errand made it (and so closes it). */
export interface OwnedClient {
  client: Redis;
  owned: boolean;
  /** Where it points, for messages (never the password). */
  where: string;
}

/** Where `options` point, for messages. */
export function describeRedis(options: BullMQBackendOptions): string {
  const c = options.connection as (Partial<RedisOptions> & { options?: RedisOptions }) | undefined;
  if (c && typeof (c as unknown as Redis).duplicate === "function") return "the ioredis instance in OPTIONS.connection";
  if (c) return `Redis at ${c.host ?? "127.0.0.1"}:${c.port ?? 6379}`;
  return `Redis at ${redactRedisUrl(options.url ?? BULLMQ_DEFAULTS.url)}`;
}

/**
 * Opens errand's connection. Commands sent while the server is away fail after a few reconnection
 * attempts (`maxRetriesPerRequest: 3`) instead of waiting forever; the client keeps reconnecting.
 * @throws RedisUnavailableError when the server does not answer within `connectTimeoutMs`.
 */
export async function openClient(options: BullMQBackendOptions): Promise<OwnedClient> {
  const where = describeRedis(options);
  const given = options.connection as Redis | RedisOptions | undefined;
  if (given && typeof (given as Redis).duplicate === "function") return { client: given as Redis, owned: false, where };
  const { ioredis } = await loadBullMQ();
  const bounded: RedisOptions = {
    maxRetriesPerRequest: 3,
    connectTimeout: options.connectTimeoutMs ?? BULLMQ_DEFAULTS.connectTimeoutMs,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    lazyConnect: true,
  };
  const client = given
    ? new ioredis.Redis({ ...bounded, ...(given as RedisOptions) })
    : new ioredis.Redis(options.url ?? BULLMQ_DEFAULTS.url, bounded);
  // Without a listener, ioredis prints every reconnection failure; errand reports them itself.
  let lastError: Error | undefined;
  client.on("error", (error: Error) => (lastError = error));
  try {
    await withTimeout(client.connect(), options.connectTimeoutMs ?? BULLMQ_DEFAULTS.connectTimeoutMs, where);
  } catch (error) {
    client.disconnect();
    // connect() rejects with "Connection is closed"; the socket's own error says why (ECONNREFUSED, …).
    const cause = lastError ?? (error as Error);
    throw new RedisUnavailableError(`Cannot reach ${where}: ${cause.message.replace(/\.$/, "")}. Is Redis running there? (OPTIONS.url sets where.)`, { cause });
  }
  return { client, owned: true, where };
}

/** `promise`, or a RedisUnavailableError after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, where: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisUnavailableError(`${where} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** Whether a Redis error is worth retrying: connection loss, a restart, a replica failover. */
export function isTransientRedisError(error: unknown): boolean {
  if (error instanceof RedisUnavailableError) return true;
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (typeof e.code === "string" && TRANSIENT_CODES.has(e.code)) return true;
  if (e.name === "MaxRetriesPerRequestError") return true;
  const message = typeof e.message === "string" ? e.message : "";
  return /^(LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY)\b|Connection is closed|Stream isn't writeable|Reached the max retries per request/.test(message);
}
