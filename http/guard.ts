/**
 * What every route of the tasks app goes through: authentication first (nothing runs without it),
 * the cross-site and HEAD checks of the routes that change something, one structured log line per
 * call, and the mapping of errors to status codes.
 */
import type { Context, MiddlewareHandler } from "hono";
import { ErrandError } from "../src/errors.js";
import { logger } from "../src/logger.js";
import { authenticate, loginSecrets } from "./auth.js";
import { BadRequestError, BodyTooLargeError, jsonError, UnsupportedMediaTypeError } from "./body.js";
import { errorPage } from "./admin/error-page.js";
import { loginPage } from "./admin/login-page.js";
import { hasSession } from "./admin/session.js";
import { crossSiteMessage, crossSiteReason } from "./cross-site.js";
import type { TasksAppSettings } from "./options.js";
import type { TasksRoute } from "./route.js";

/** Hono environment of the tasks app: per-request values the log line and the admin pages read. */
export interface TasksAppEnv {
  Variables: {
    /** The route's name in logs (`run`, `status`, `admin.list`, …). */
    endpoint: string;
    /** Tasks run (or deleted, for purges) by this call. */
    tasksProcessed: number;
    /** The request was accepted through the admin login's session cookie (the pages show "Log out"). */
    adminSession: boolean;
  };
}

/** Thrown for an unknown id; becomes a 404 with this message. */
export class NotFoundError extends Error {}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isAdminEndpoint(endpoint: string | undefined): boolean {
  return (endpoint ?? "").startsWith("admin");
}

async function admit(settings: TasksAppSettings, route: Pick<TasksRoute, "endpoint" | "public">, c: Context<TasksAppEnv>): Promise<Response | null> {
  if (route.public) return null;
  const secrets = loginSecrets(settings.hooks);
  const admin = isAdminEndpoint(route.endpoint);
  if (admin && secrets.length > 0 && hasSession(c.req.raw, secrets)) {
    c.set("adminSession", true);
    return null;
  }
  const rejection = await authenticate(settings.hooks, c.req.raw);
  // People in a browser get the login form for the bearer token; a hook's own answer (a redirect to
  // the application's login, a 403) is kept.
  if (rejection && admin && secrets.length > 0 && rejection.status === 401) return loginPage(c.req.raw, 401);
  return rejection;
}

/**
 * Authenticates, refuses HEAD and cross-site requests on routes that change something, then runs the
 * route and logs `{ endpoint, method, status, tasksProcessed, durationMs }`. A rejected request gets
 * the auth response (401, or the admin login form) and runs nothing.
 */
export function guard(settings: TasksAppSettings, route: Pick<TasksRoute, "endpoint" | "methods" | "mutating" | "public">): MiddlewareHandler<TasksAppEnv> {
  const { endpoint } = route;
  return async (c, next) => {
    const started = performance.now();
    c.set("endpoint", endpoint);
    c.set("tasksProcessed", 0);
    c.set("adminSession", false);
    let status = 500;
    try {
      const refusal = await admit(settings, route, c);
      if (refusal) {
        status = refusal.status;
        return refusal;
      }
      const method = c.req.method;
      // Hono serves HEAD with the GET handler; a HEAD must never run or delete anything.
      if (route.mutating && method === "HEAD") {
        status = 405;
        return methodNotAllowed(route.methods)(c);
      }
      const reason = route.mutating || !SAFE_METHODS.has(method) ? crossSiteReason(c.req.raw) : null;
      if (reason) {
        status = 403;
        return isAdminEndpoint(endpoint) ? errorPage(403, crossSiteMessage(reason), endpoint) : jsonError(403, crossSiteMessage(reason));
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
    return isAdminEndpoint(c.get("endpoint"))
      ? errorPage(405, "Method not allowed", c.get("endpoint"), { allow })
      : jsonError(405, `Method ${c.req.method} not allowed; use ${allow}`, { allow });
  };
}

/**
 * The app's error handler: 400, 404, 413 and 415 for request problems; 503 with the message for
 * errand's own errors from the store (an unmigrated database, an unreachable one); 500 (logged) for
 * anything else.
 */
export function errorHandler(settings: TasksAppSettings) {
  return (error: Error, c: Context<TasksAppEnv>): Response => {
    let status = 500;
    let message = "Internal server error";
    if (error instanceof BodyTooLargeError) {
      status = 413;
      message = `Request body too large (max ${error.maxBytes} bytes)`;
    } else if (error instanceof BadRequestError) {
      status = 400;
      message = error.message;
    } else if (error instanceof UnsupportedMediaTypeError) {
      status = 415;
      message = error.message;
    } else if (error instanceof NotFoundError) {
      status = 404;
      message = error.message;
    } else if (error instanceof ErrandError) {
      // The store translates database failures into ErrandErrors where SQL runs (database-errors.ts).
      status = 503;
      message = error.message;
      logger.error({ err: error, endpoint: c.get("endpoint") }, "tasks endpoint could not use the store");
    } else {
      logger.error({ err: error, endpoint: c.get("endpoint") }, "tasks endpoint threw");
    }
    return isAdminEndpoint(c.get("endpoint")) ? errorPage(status, message, c.get("endpoint")) : jsonError(status, message);
  };
}
