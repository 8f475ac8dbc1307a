/**
 * The CSRF defence of every route that changes something (run/, run-one/, execute/, purge/, the admin
 * forms, login and logout). A browser on another site can send a simple request (a form POST, a
 * `text/plain` fetch, a GET navigation) with the user's cookies; such a request is refused when:
 * - `Sec-Fetch-Site` says `cross-site` or `same-site` (only `same-origin` and `none`, a typed URL or
 *   bookmark, are accepted; a sibling subdomain is another site for errand); or
 * - `Origin` is present and its host is not the request's host (`X-Forwarded-Host`, else `Host`);
 *   `Origin: null` (a sandboxed or privacy-redirected request) is refused too.
 * Clients that are not browsers (cron, Cloud Tasks, curl) send neither header and are unaffected.
 * The JSON endpoints also require `Content-Type: application/json` for a body (see `readJsonObject`),
 * which a cross-site page cannot send without a CORS preflight.
 */

/** `null` when the request may go on, else why it is refused (for the 403 message). */
export function crossSiteReason(request: Request): string | null {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site: ${site}`;
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host") || new URL(request.url).host;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `Origin: ${origin.slice(0, 100)}`;
  }
  return originHost !== "" && originHost.toLowerCase() === host.toLowerCase() ? null : `Origin ${origin.slice(0, 100)} is not ${host}`;
}

/** The message of the 403 for a refused cross-site request. */
export function crossSiteMessage(reason: string): string {
  return `Cross-site request refused (${reason}): call this endpoint from the same origin or from a server`;
}
