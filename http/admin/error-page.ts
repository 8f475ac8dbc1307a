import { html } from "../html.js";
import { page } from "./layout.js";

/** The path from each admin route back to `admin/`, by endpoint name (for the error page's links). */
const ROOTS: Record<string, string> = { "admin.list": "", "admin.detail": "../../", "admin.actions": "../", "admin.purge": "../", "admin.schedules": "../", "admin.queues": "../" };

/** An HTML error page for the admin route `endpoint`. */
export function errorPage(status: number, message: string, endpoint: string, headers: Record<string, string> = {}): Response {
  const root = ROOTS[endpoint] ?? "";
  const body = html`<div class="card"><h1>${status}</h1><p>${message}</p><p><a href="${root || "./"}">Back to the task list</a></p></div>`;
  return page({ title: String(status), body, root, status, headers });
}
