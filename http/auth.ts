import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { InvalidOptionError } from "../src/errors.js";
import { logger } from "../src/logger.js";

/**
 * Decides whether a request may use the tasks app: `true` accepts; `false` or a `Response` rejects
 * (the `Response`, e.g. a redirect to a login page, is sent as is; `false` gives a 401).
 */
export type AuthHook = (request: Request) => boolean | Response | Promise<boolean | Response>;

/**
 * The `auth` option of `createTasksApp`: a hook, several hooks (a request is accepted when any accepts
 * it; when all reject, the first rejection is returned), or `"none"` to turn authentication off
 * explicitly (e.g. behind a private network or a gateway that authenticates).
 */
export type TasksAppAuth = AuthHook | readonly AuthHook[] | "none";

/**
 * What a hook made by {@link bearerToken} carries so that the admin page can offer a login form for
 * the same token: a constant-time check of a typed secret, and a key derived from the token (never the
 * token itself) that signs the session cookie.
 */
export interface LoginSecret {
  matches(candidate: string): boolean;
  sessionKey: Buffer;
}

const LOGIN = Symbol("errand.loginSecret");

/** The login secrets of the hooks that have one (those made by {@link bearerToken}). */
export function loginSecrets(hooks: readonly AuthHook[] | "none"): LoginSecret[] {
  if (hooks === "none") return [];
  return hooks.flatMap((h) => ((h as { [LOGIN]?: LoginSecret })[LOGIN] ? [(h as { [LOGIN]?: LoginSecret })[LOGIN]!] : []));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** The standard 401 response. */
export function unauthorized(bearer = false): Response {
  return new Response(JSON.stringify({ error: "Unauthorized" }), {
    status: 401,
    headers: { "content-type": "application/json; charset=utf-8", ...(bearer && { "www-authenticate": 'Bearer realm="errand"' }) },
  });
}

/**
 * Accepts requests with `Authorization: Bearer <token>`, compared in constant time (both sides are
 * hashed, so neither the content nor the length of the token leaks through timing). The admin page
 * also offers people a login form for the same token (a signed, HttpOnly session cookie).
 * @throws InvalidOptionError when `token` is empty or not a string (e.g. an unset environment variable).
 * @example createTasksApp({ auth: bearerToken(process.env.TASKS_TOKEN!) })
 */
export function bearerToken(token: string): AuthHook {
  if (typeof token !== "string" || token.trim() === "") {
    throw new InvalidOptionError("token", "bearerToken() needs a non-empty token (is the environment variable set?).");
  }
  const expected = digest(token);
  const matches = (candidate: string) => timingSafeEqual(digest(candidate), expected);
  const hook: AuthHook = (request) => {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    const ok = match !== null && matches(match[1] ?? "");
    return ok || unauthorized(true);
  };
  const login: LoginSecret = { matches, sessionKey: createHmac("sha256", token).update("errand admin session key").digest() };
  return Object.assign(hook, { [LOGIN]: login });
}

/**
 * Checks the `auth` option.
 * @throws InvalidOptionError when `auth` is missing, so that an app is never public by accident.
 */
export function checkAuth(auth: unknown): readonly AuthHook[] | "none" {
  if (auth === "none") return "none";
  const hooks = typeof auth === "function" ? [auth] : auth;
  if (!Array.isArray(hooks) || hooks.length === 0 || !hooks.every((h) => typeof h === "function")) {
    throw new InvalidOptionError(
      "auth",
      "createTasksApp needs an `auth` option: bearerToken(process.env.TASKS_TOKEN), a hook (request) => boolean | Response, " +
        "an array of them, or 'none' to serve the endpoints and the admin page without authentication.",
    );
  }
  return hooks as AuthHook[];
}

/**
 * Runs the hooks in order until one accepts.
 * @returns `null` when the request is accepted, else the response to send (the first rejection).
 *   A hook that throws counts as a rejection: authentication fails closed.
 */
export async function authenticate(hooks: readonly AuthHook[] | "none", request: Request): Promise<Response | null> {
  if (hooks === "none") return null;
  let first: Response | null = null;
  for (const hook of hooks) {
    let verdict: boolean | Response;
    try {
      verdict = await hook(request);
    } catch (error) {
      logger.error({ err: error }, "tasks app auth hook threw; request rejected");
      verdict = false;
    }
    if (verdict === true) return null;
    first ??= verdict instanceof Response ? verdict : unauthorized();
  }
  return first ?? unauthorized();
}
