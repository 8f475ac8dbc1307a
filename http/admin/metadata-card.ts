import { progressOf, type TaskMetadata } from "../../src/task-metadata.js";
import { html, type SafeHtml } from "../html.js";
import { prettyJson } from "./format.js";

/**
 * A progress bar for `metadata.progress` (a number in [0, 1], errand's convention), or nothing when
 * the task reports none. A native `<progress>` element: no inline style (the admin's CSP allows
 * none), and screen readers announce it.
 */
export function progressBar(metadata: TaskMetadata | undefined): SafeHtml {
  const p = progressOf(metadata);
  if (p === null) return html``;
  const percent = `${Math.round(p * 1000) / 10}%`;
  return html`<span class="progress-wrap"><progress class="progress" value="${String(p)}" max="1" aria-label="Progress ${percent}">${percent}</progress><span class="progress-label">${percent}</span></span>`;
}

/** The detail page's metadata card: the progress bar, then the metadata as JSON. */
export function metadataCard(metadata: TaskMetadata): SafeHtml {
  const body = Object.keys(metadata).length === 0 ? html`<p class="muted">No metadata saved.</p>` : html`<pre class="metadata">${prettyJson(metadata)}</pre>`;
  return html`<section class="card"><h2>Metadata</h2>${progressBar(metadata)}${body}</section>`;
}

/** The styles of the progress bar (appended to the admin stylesheet). */
export const PROGRESS_CSS = `
.progress-wrap{display:flex;align-items:center;gap:8px;margin-bottom:10px}
progress.progress{appearance:none;-webkit-appearance:none;width:min(360px,70%);height:10px;border:0;border-radius:5px;background:var(--line);overflow:hidden}
progress.progress::-webkit-progress-bar{background:var(--line);border-radius:5px}
progress.progress::-webkit-progress-value{background:var(--running);border-radius:5px}
progress.progress::-moz-progress-bar{background:var(--running);border-radius:5px}
.progress-label{font-size:13px;color:var(--muted)}
td .progress-wrap{margin:6px 0 0;gap:6px}td progress.progress{width:80px;height:6px}td .progress-label{font-size:12px}
`;
