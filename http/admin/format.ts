/** Small formatting helpers of the admin pages (all return text or escaped markup). */
import { html, type SafeHtml } from "../html.js";

/** `2026-11-21 03:14:27 UTC`, or an em dash for `null`. */
export function formatTime(date: Date | null): string {
  if (!date) return "—";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `5 s ago`, `3 min ago`, `in 2 h`, `4 d ago`. */
export function relativeTime(date: Date, now: Date = new Date()): string {
  const diff = date.getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 5000) return "just now";
  const [value, unit] =
    abs < 60_000 ? [Math.round(abs / 1000), "s"] : abs < 3_600_000 ? [Math.round(abs / 60_000), "min"] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), "h"] : [Math.round(abs / 86_400_000), "d"];
  return diff > 1000 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

/** A `<time>` element: relative text, the exact UTC time as its title. */
export function timeTag(date: Date | null, now?: Date): SafeHtml {
  if (!date) return html`<span class="muted">—</span>`;
  return html`<time datetime="${date.toISOString()}" title="${formatTime(date)}">${relativeTime(date, now)}</time>`;
}

/** Pretty-printed JSON text (never throws). */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The first 8 characters of an id (what fits in a list). */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** A status badge; a READY task that is not due yet (`dueAt` in the future) gets a "due in …" hint. */
export function statusBadge(status: string, dueAt: Date | null = null, now: Date = new Date()): SafeHtml {
  const kind = ["READY", "RUNNING", "SUCCESSFUL", "FAILED", "CANCELLED"].includes(status) ? status.toLowerCase() : "unknown";
  const delayed = status === "READY" && dueAt !== null && dueAt > now;
  return html`<span class="badge badge-${kind}">${status}</span>${delayed ? html` <span class="hint" title="${formatTime(dueAt)}">due ${relativeTime(dueAt, now)}</span>` : ""}`;
}
