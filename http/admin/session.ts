/**
 * The admin page's login session, for people in a browser when `auth` includes `bearerToken(token)`:
 * after the token is typed into the login form, a cookie `<expires>.<random id>.<HMAC(key, both)>`
 * where the key is derived from the token (the token itself never leaves the server); the random id
 * tells sessions apart, for the CSRF tokens bound to them. HttpOnly, SameSite=Strict,
 * Secure on https, scoped to the admin page's path; valid for {@link SESSION_SECONDS}. Changing the
 * token ends every session.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { LoginSecret } from "../auth.js";

/** The session cookie's name. */
export const SESSION_COOKIE = "errand_admin_session";
/** How long a login lasts, in seconds (8 hours). */
export const SESSION_SECONDS = 8 * 3600;

/** The value of cookie `name` in a request, if any. */
export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function sign(key: Buffer, payload: string): string {
  return createHmac("sha256", key).update(`errand-admin-session:${payload}`).digest("base64url");
}

/** Whether the request carries an unexpired session cookie signed by one of `secrets`. */
export function hasSession(request: Request, secrets: readonly LoginSecret[], nowMs = Date.now()): boolean {
  const value = readCookie(request, SESSION_COOKIE);
  const match = value === undefined ? null : /^((\d{1,12})\.[0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match || Number(match[2]) * 1000 <= nowMs) return false;
  const given = Buffer.from(match[3]!);
  return secrets.some((s) => {
    const expected = Buffer.from(sign(s.sessionKey, match[1]!));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function upToAdmin(path: string): string | undefined {
  const at = path.lastIndexOf("/admin/");
  return at >= 0 ? path.slice(0, at + "/admin/".length) : undefined;
}

/**
 * The admin page's base path (`/tasks/admin/`) under a request's URL: what the app sees, which is all
 * of it in Hono or Node's http.
 */
export function adminPath(request: Request): string {
  return upToAdmin(new URL(request.url).pathname) ?? "/";
}

/**
 * The admin page's path as the browser sees it, for the cookie's Path. Express strips the mount
 * prefix before the app sees the URL, so the same-origin `Referer` of the login and logout forms (our
 * pages send it: `Referrer-Policy: same-origin`) is preferred; the request's own URL otherwise.
 */
function browserAdminPath(request: Request): string {
  const referer = request.headers.get("referer");
  if (referer) {
    try {
      const url = new URL(referer);
      const fromReferer = url.host === new URL(request.url).host || url.host === request.headers.get("host") ? upToAdmin(url.pathname) : undefined;
      if (fromReferer && /^[\w./~%-]+$/.test(fromReferer)) return fromReferer;
    } catch {
      // Not a URL: fall back to the request's path.
    }
  }
  return adminPath(request);
}

function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

function cookie(request: Request, value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${value}; Path=${browserAdminPath(request)}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${isHttps(request) ? "; Secure" : ""}`;
}

/** The `Set-Cookie` value that starts a session signed with `secret`. */
export function sessionCookie(request: Request, secret: LoginSecret, nowMs = Date.now()): string {
  const payload = `${Math.floor(nowMs / 1000) + SESSION_SECONDS}.${randomBytes(16).toString("hex")}`;
  return cookie(request, `${payload}.${sign(secret.sessionKey, payload)}`, SESSION_SECONDS);
}

/** The `Set-Cookie` value that ends the session. */
export function clearSessionCookie(request: Request): string {
  return cookie(request, "", 0);
}
