import { randomBytes } from "node:crypto";
import { html, raw, type SafeHtml } from "../html.js";
import { PROGRESS_CSS } from "./metadata-card.js";
import { ADMIN_CSS } from "./styles.js";

/** Where the page sits, for relative links that work under any mount prefix. */
export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** The path from this page back to `admin/` (`""` on the list page, `"../../"` on a detail page). */
  root: string;
  status?: number;
  headers?: Record<string, string>;
  /** Show "Log out" (the request came with the login form's session cookie). */
  logout?: boolean;
  /** Reload the page every this many seconds (`<meta http-equiv="refresh">`: no script). */
  refreshSeconds?: number;
}

// Ticks or unticks every task checkbox of the list form; the only script of the admin pages.
const SCRIPT = `document.addEventListener("change",function(e){var t=e.target;if(t&&t.id==="select-all"){document.querySelectorAll("input[name=id]").forEach(function(b){b.checked=t.checked})}});`;

/**
 * A full admin page as a response: strict Content-Security-Policy (nothing loads from elsewhere; the
 * inline style and script carry a per-response nonce), no caching, no framing.
 */
export function page(o: PageOptions): Response {
  const nonce = randomBytes(16).toString("base64");
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${o.title} · errand</title>
${o.refreshSeconds ? html`<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ""}
<style nonce="${nonce}">${raw(ADMIN_CSS + PROGRESS_CSS)}</style>
</head>
<body>
<header class="top"><div class="bar">
<a class="brand" href="${o.root || "./"}">errand <span>tasks</span></a>
<nav><a href="${o.root}dashboard/">Dashboard</a><a href="${o.root || "./"}">Tasks</a><a href="${o.root}queues/">Queues</a><a href="${o.root}schedules/">Schedules</a><a href="${o.root}purge/">Purge</a>${o.logout ? html`<form class="logout" method="post" action="${o.root}logout/"><button type="submit">Log out</button></form>` : ""}</nav>
</div></header>
<main>${o.body}</main>
<script nonce="${nonce}">${raw(SCRIPT)}</script>
</body>
</html>`;
  return new Response(doc.value, {
    status: o.status ?? 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "same-origin",
      ...o.headers,
    },
  });
}
