import { html, type SafeHtml } from "../html.js";

/** What the purge page was asked to preview. */
export interface PurgePreview {
  days: number;
  statuses: readonly ("SUCCESSFUL" | "FAILED" | "CANCELLED")[];
  /** Matching tasks, when a preview was requested. */
  count: number | null;
}

/**
 * The purge page: choose age and statuses, preview how many finished tasks match, then confirm the
 * deletion (a POST with a required confirmation box).
 */
export function purgePage(p: PurgePreview, csrf: string): SafeHtml {
  const checked = (s: string) => (p.statuses.includes(s as "SUCCESSFUL") ? html` checked` : "");
  const statusText = p.statuses.join(",");
  const confirm =
    p.count === null
      ? ""
      : p.count === 0
        ? html`<div class="notice" role="status">No finished tasks match: nothing to delete.</div>`
        : html`<form class="card" method="post" action="./">
<p class="purge-summary"><strong>${p.count}</strong> finished task${p.count === 1 ? "" : "s"} (${statusText}) ${p.days > 0 ? `finished more than ${p.days} day${p.days === 1 ? "" : "s"} ago` : "of any age"} will be deleted. This cannot be undone.</p>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="days" value="${p.days}"><input type="hidden" name="status" value="${statusText}">
<label class="check"><input type="checkbox" name="confirm" value="yes" required> I understand these tasks will be deleted</label>
<p><button type="submit" class="danger">Delete ${p.count} task${p.count === 1 ? "" : "s"}</button> <a class="button secondary" href="../">Cancel</a></p>
</form>`;
  return html`<p><a href="../">← All tasks</a></p>
<h1>Purge finished tasks</h1>
<form class="card" method="get" action="./">
<p class="muted">READY and RUNNING tasks are never deleted.</p>
<fieldset><legend class="hint">Statuses</legend>
<label class="check"><input type="checkbox" name="status" value="SUCCESSFUL"${checked("SUCCESSFUL")}> Successful</label>
<label class="check"><input type="checkbox" name="status" value="FAILED"${checked("FAILED")}> Failed</label>
<label class="check"><input type="checkbox" name="status" value="CANCELLED"${checked("CANCELLED")}> Cancelled</label>
</fieldset>
<div class="filters"><label>Finished more than (days ago; 0 = any age)<input type="number" name="days" min="0" step="1" value="${p.days}"></label></div>
<p><button type="submit" name="preview" value="1">Preview</button></p>
</form>
${confirm}`;
}
