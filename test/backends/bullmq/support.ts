/**
 * The BullMQ tests' Redis: a server of their own (scripts/redis-test-server.sh on its own port and
 * directory, so nothing collides with the shared one or the machine's), and a unique key prefix
 * per backend so tests sharing that server never see each other's queues.
 */
import { randomUUID } from "node:crypto";
import { BullMQBackend } from "../../../backends/bullmq/index.js";
import { Task } from "../../../src/task.js";
import type { SeedTask } from "../../helpers/memory-store.js";
import { OwnRedis } from "../../helpers/own-redis.js";

/** Starts (or reuses) this file's Redis; returns its url and the stop function for `test.after.always`. */
export function startRedis(name: string, port: number): { url: string; stop: () => void } {
  const server = new OwnRedis(`bullmq-${name}`, port);
  return { url: server.start(), stop: () => server.stop() };
}

/** A fresh prefix, unique per call. */
export function freshPrefix(): string {
  return `errand-test-${randomUUID().slice(0, 8)}`;
}

/** A backend on `url` under a fresh prefix, aliased `alias`. */
export function freshBackend(url: string, alias = "default", extra: Record<string, unknown> = {}): BullMQBackend {
  return new BullMQBackend(alias, { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: { url, prefix: freshPrefix(), ...extra } });
}

/** Enqueues `seed` through the backend's own enqueue (no registered task needed); returns the id. */
export async function seedTask(backend: BullMQBackend, seed: SeedTask): Promise<string> {
  const task = new Task({
    name: seed.taskPath,
    priority: seed.priority ?? 0,
    queueName: seed.queueName ?? "default",
    backend: seed.backendName ?? backend.alias,
    runAfter: seed.delayMs ? new Date(Date.now() + seed.delayMs) : null,
    takesContext: false,
    func: () => null,
    maxAttempts: seed.maxAttempts ?? null,
    backoff: null,
    timeout: null,
    concurrency: seed.concurrencyKey ? { limit: 1, key: () => seed.concurrencyKey! } : null,
  });
  const [result] = await backend.enqueueMany(task, [seed.args ?? []]);
  return result!.id;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
