import { html } from "../html.js";
import { page } from "./layout.js";
import { adminPath } from "./session.js";

/** Where a page sits under `admin/`: `""` for the list, `"tasks/<id>/"` for a detail page. */
function below(request: Request): string {
  const path = new URL(request.url).pathname;
  const base = adminPath(request);
  return path.startsWith(base) ? path.slice(base.length) : "";
}

/**
 * The page to come back to after logging in, relative to `admin/`: only plain path segments and a
 * query string, so that the redirect can never leave the admin page (no scheme, host, `//` or `..`).
 */
export function safeNext(next: string | null | undefined): string {
  const value = (next ?? "").slice(0, 2000);
  return /^(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*\/)*(?:\?[^\s\\#]*)?$/.test(value) && !value.includes("..") ? value : "";
}

/**
 * The login form for the bearer token, answered in place of the page that was asked for (so the
 * address bar keeps the page to come back to). `status` 401 when shown for a page, or when the token
 * was wrong.
 */
export function loginPage(request: Request, status: number, message?: string, next?: string): Response {
  const rest = below(request);
  const root = "../".repeat((rest.match(/\//g) ?? []).length);
  const back = next ?? safeNext(rest === "login/" ? "" : rest + new URL(request.url).search);
  const body = html`<section class="card login"><h1>Log in</h1>
<p class="muted">Enter the tasks token (the <code>bearerToken</code> this app was given) to open the admin page.</p>
${message ? html`<div class="notice warn" role="alert">${message}</div>` : ""}
<form method="post" action="${root}login/">
<input type="hidden" name="next" value="${back}">
<label>Token<input type="password" name="secret" autocomplete="current-password" required autofocus></label>
<p><button type="submit">Log in</button></p>
</form></section>`;
  return page({ title: "Log in", body, root, status, headers: { "www-authenticate": 'Bearer realm="errand"' } });
}
