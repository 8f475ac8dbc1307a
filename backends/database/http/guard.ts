/**
 * What every route of the tasks app goes through: authentication first (nothing runs without it),
 * one structured log line per call, and the mapping of errors to status codes.
 */
import type { Context, MiddlewareHandler } from "hono";
import { logger } from "../../../src/logger.js";
import { authenticate } from "./auth.js";
import { BadRequestError, BodyTooLargeError, jsonError } from "./body.js";
import { errorPage } from "./admin/error-page.js";
import type { TasksAppSettings } from "./options.js";

/** Hono environment of the tasks app: per-request values the log line reads. */
export interface TasksAppEnv {
  Variables: {
    /** The route's name in logs (`run`, `status`, `admin.list`, …). */
    endpoint: string;
    /** Tasks run (or deleted, for purges) by this call. */
    tasksProcessed: number;
  };
}

/** Thrown for an unknown id; becomes a 404 with this message. */
export class NotFoundError extends Error {}

/**
 * Authenticates, then runs the route and logs `{ endpoint, method, status, tasksProcessed, durationMs }`.
 * A rejected request gets the auth response (401 unless a hook returned its own) and runs nothing.
 */
export function guard(settings: TasksAppSettings, endpoint: string): MiddlewareHandler<TasksAppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set("endpoint", endpoint);
    c.set("tasksProcessed", 0);
    let status = 500;
    try {
      const rejection = await authenticate(settings.hooks, c.req.raw);
      if (rejection) {
        status = rejection.status;
        return rejection;
      }
      await next();
      status = c.res.status;
    } finally {
      const entry = {
        endpoint,
        method: c.req.method,
        status,
        tasksProcessed: c.get("tasksProcessed"),
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (status >= 500) logger.error(entry, "tasks endpoint call failed");
      else logger.info(entry, "tasks endpoint call");
    }
  };
}

/** 405 with an `Allow` header, for a method the route does not serve. */
export function methodNotAllowed(allowed: readonly string[]) {
  return (c: Context<TasksAppEnv>): Response => {
    const allow = allowed.join(", ");
    return isAdmin(c)
      ? errorPage(405, "Method not allowed", c.get("endpoint"), { allow })
      : jsonError(405, `Method ${c.req.method} not allowed; use ${allow}`, { allow });
  };
}

function isAdmin(c: Context<TasksAppEnv>): boolean {
  return (c.get("endpoint") ?? "").startsWith("admin");
}

/** The app's error handler: 400, 404 and 413 for request problems, 500 (logged) for anything else. */
export function handleError(error: Error, c: Context<TasksAppEnv>): Response {
  let status = 500;
  let message = "Internal server error";
  if (error instanceof BodyTooLargeError) {
    status = 413;
    message = `Request body too large (max ${error.maxBytes} bytes)`;
  } else if (error instanceof BadRequestError) {
    status = 400;
    message = error.message;
  } else if (error instanceof NotFoundError) {
    status = 404;
    message = error.message;
  } else {
    logger.error({ err: error, endpoint: c.get("endpoint") }, "tasks endpoint threw");
  }
  return isAdmin(c) ? errorPage(status, message, c.get("endpoint")) : jsonError(status, message);
}
