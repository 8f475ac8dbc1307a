/**
 * Loads `hono`, an optional peer, with top-level await: `errand/backends/database` stays usable without
 * it, and {@link loadHono} gives one clear "install hono" message when `createTasksApp` needs it.
 */
import type { Hono } from "hono";

type HonoModule = typeof import("hono");

async function load(): Promise<HonoModule | Error> {
  try {
    return await import("hono");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return error as Error;
    throw error;
  }
}

const loaded = await load();

/**
 * The `Hono` class.
 * @throws Error naming the package to install when `hono` is missing.
 */
export function loadHono(): typeof Hono {
  if (loaded instanceof Error) {
    throw new Error("createTasksApp needs Hono: npm install hono (and @hono/node-server to serve it from Node's http, Express or Fastify).", {
      cause: loaded,
    });
  }
  return loaded.Hono;
}
