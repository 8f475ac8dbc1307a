/**
 * Loads `hono`, an optional peer, with top-level await: `errand/backends/database` stays usable without
 * it, and {@link loadHono} gives one clear "install hono" message when `createTasksApp` needs it.
 */
import type { Hono } from "hono";
import { MissingPeerError } from "../src/errors.js";
import { importOptional } from "../src/optional-import.js";

const loaded = await importOptional(() => import("hono"));

/**
 * The `Hono` class.
 * @throws MissingPeerError naming the package to install when `hono` is missing.
 */
export function loadHono(): typeof Hono {
  if (loaded instanceof Error) {
    throw new MissingPeerError(
      {
        packageName: "hono",
        feature: "createTasksApp",
        message: "createTasksApp needs Hono: npm install hono (and @hono/node-server to serve it from Node's http, Express or Fastify).",
      },
      { cause: loaded },
    );
  }
  return loaded.Hono;
}
