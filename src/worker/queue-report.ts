/**
 * What `errand queues` shows (DESIGN §7): every queue the store has tasks in, is paused, or has
 * limits configured, with its task counts by status, whether it is paused and its limits.
 */
import type { QueueLimitOptions } from "../limits.js";
import { resolveStoreBackend } from "./resolve-store-backend.js";

/** One queue of a {@link QueueReport}. */
export interface QueueLine {
  name: string;
  /** Tasks per status (READY, RUNNING, SUCCESSFUL, FAILED; zero when none). */
  counts: Record<string, number>;
  paused: boolean;
  /** The queue's limits (backend OPTIONS `queues`), or `null` for none. */
  limits: QueueLimitOptions | null;
}

/** The queues of one backend, sorted by name. */
export interface QueueReport {
  backend: string;
  queues: QueueLine[];
}

const STATUSES = ["READY", "RUNNING", "SUCCESSFUL", "FAILED"];

/**
 * The queues of the store backend `options.backend`.
 * @throws InvalidTaskBackendError when the backend has no store.
 */
export async function getQueueReport(options: { backend?: string } = {}): Promise<QueueReport> {
  const backend = resolveStoreBackend(options.backend);
  const store = backend.taskStore;
  await store.open();
  const [counts, paused] = await Promise.all([store.countByQueueAndStatus(), store.pausedQueues()]);
  const limits = backend.queueLimits ?? {};
  const names = [...new Set([...counts.map((c) => c.queueName), ...paused, ...Object.keys(limits)])].sort();
  const queues = names.map((name): QueueLine => {
    const byStatus: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const c of counts) if (c.queueName === name) byStatus[c.status] = (byStatus[c.status] ?? 0) + c.count;
    return { name, counts: byStatus, paused: paused.includes(name), limits: limits[name] ?? null };
  });
  return { backend: backend.alias, queues };
}

/**
 * Pauses (`paused` true) or resumes queue `name` of the store backend `options.backend`.
 * @throws InvalidTaskBackendError when the backend has no store.
 */
export async function setQueuePaused(name: string, paused: boolean, options: { backend?: string } = {}): Promise<void> {
  const store = resolveStoreBackend(options.backend).taskStore;
  await store.open();
  await (paused ? store.pauseQueue(name) : store.resumeQueue(name));
}
