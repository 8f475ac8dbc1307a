/**
 * CSRF protection of the admin forms: a signed double-submit token. The browser holds a random nonce
 * in an HttpOnly, SameSite=Strict cookie; each form carries `nonce.HMAC(secret, nonce)`. A POST is
 * accepted when the form's nonce equals the cookie's and the signature is ours, and the browser does
 * not report the request as cross-site (`Sec-Fetch-Site`).
 *
 * The signature also covers the session the page was served to (the admin login's session cookie and
 * the `Authorization` header), so a token from one session is refused in another even when an
 * attacker manages to plant their own nonce cookie (e.g. from a sibling subdomain).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { readCookie, SESSION_COOKIE } from "./session.js";

/** The cookie that holds the nonce. */
export const CSRF_COOKIE = "errand_csrf";
const NONCE_RE = /^[0-9a-f]{32}$/;

function cookieNonce(c: Context): string | undefined {
  const header = c.req.header("cookie") ?? "";
  for (const part of header.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === CSRF_COOKIE) {
      const v = value.join("=");
      return NONCE_RE.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/** What identifies the session the page is served to; empty with `auth: "none"` or a custom hook. */
function sessionBinding(c: Context): string {
  return `${readCookie(c.req.raw, SESSION_COOKIE) ?? ""}\n${c.req.header("authorization") ?? ""}`;
}

function sign(secret: Buffer, nonce: string, c: Context): string {
  return createHmac("sha256", secret).update(`errand-csrf:${nonce}\n`).update(sessionBinding(c)).digest("base64url");
}

/** The token for this browser's forms, and the `Set-Cookie` header to send when it had no nonce yet. */
export function csrfToken(c: Context, secret: Buffer): { token: string; headers: Record<string, string> } {
  let nonce = cookieNonce(c);
  const headers: Record<string, string> = {};
  if (!nonce) {
    nonce = randomBytes(16).toString("hex");
    const https = new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
    headers["set-cookie"] = `${CSRF_COOKIE}=${nonce}; Path=/; HttpOnly; SameSite=Strict${https ? "; Secure" : ""}`;
  }
  return { token: `${nonce}.${sign(secret, nonce, c)}`, headers };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a POST carries a valid token for this browser and does not come from another site. */
export function csrfValid(c: Context, secret: Buffer, token: string | undefined): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  const nonce = cookieNonce(c);
  if (!nonce || typeof token !== "string") return false;
  const [formNonce = "", signature = ""] = token.split(".");
  return same(formNonce, nonce) && same(signature, sign(secret, nonce, c));
}
