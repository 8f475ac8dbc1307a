/**
 * Shared set-up of the Cloud Tasks tests: sample tasks, a log capture, the app served on 127.0.0.1
 * and polling helpers. Each ava file is its own process, with its own task registry.
 */
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { pino } from "pino";
import { setLogger, task, taskBackends, type TaskResult } from "../../src/index.js";

/** The service account Cloud Tasks signs tokens for in these tests. */
export const INVOKER = "tasks-invoker@test-project.iam.gserviceaccount.com";

/** Adds two numbers. */
export const ctAdd = task({ name: "ct.add" }, (a: number, b: number) => a + b);

/** Fails while the flag file `path` does not exist, then returns "recovered". */
export const ctFlaky = task({ name: "ct.flaky" }, (path: string) => {
  if (!existsSync(path)) throw new Error(`flag file ${path} is missing`);
  return "recovered";
});

/** Adds two numbers, with a 20 s timeout (so its Cloud Task gets a 25 s dispatch deadline). */
export const ctTimed = task({ name: "ct.timed", timeout: 20_000 }, async (a: number, b: number) => a + b);

/** Always fails. */
export const ctBoom = task({ name: "ct.boom" }, function boom(message: string): never {
  throw new RangeError(`boom: ${message}`);
});

/** Log lines written through errand's logger since {@link captureLogs}. */
export const logs: Record<string, unknown>[] = [];

/** Routes errand's logger into {@link logs} (and keeps the test output quiet). */
export function captureLogs(): void {
  setLogger(pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }));
}

/** An HTTP server on 127.0.0.1 serving a Hono app whose routes are added after it listens. */
export interface ServedApp {
  app: Hono;
  base: string;
  close(): Promise<void>;
}

/** Serves a new Hono app with @hono/node-server on a free port of 127.0.0.1. */
export async function serveApp(): Promise<ServedApp> {
  const app = new Hono();
  const server = serve({ fetch: (request, env) => app.fetch(request, env), port: 0, hostname: "127.0.0.1" }) as Server;
  if (!server.listening) await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    app,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The stored result of `id` on backend `alias`. */
export function stored(id: string, alias = "default"): Promise<TaskResult<unknown>> {
  return taskBackends.get(alias).getResult(id);
}

/**
 * Polls until `predicate` holds.
 * @throws Error naming `what` after `timeoutMs`.
 */
export async function eventually(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls until task `id` has `status`; returns the stored result. */
export async function untilStatus(id: string, status: string, alias = "default", timeoutMs = 15_000): Promise<TaskResult<unknown>> {
  let last: TaskResult<unknown> | undefined;
  await eventually(`task ${id} to be ${status} (is ${String(last?.status)})`, async () => (last = await stored(id, alias)).status === status, timeoutMs);
  return last!;
}
