import type { TaskResult } from "../../src/task-result.js";
import { html, type SafeHtml } from "../html.js";
import { formatTime, prettyJson, relativeTime, statusBadge } from "./format.js";
import type { Notice } from "./list-params.js";
import { metadataCard } from "./metadata-card.js";

/** The stored fields the detail page shows beyond the {@link TaskResult}. */
export interface TaskDetail {
  result: TaskResult<unknown>;
  priority: number;
  queueName: string;
  backendName: string;
  attempts: number;
  maxAttempts: number;
  runAfter: Date | null;
  availableAt: Date | null;
  leaseExpiresAt: Date | null;
  lockedBy: string | null;
}

function when(date: Date | null, now: Date): SafeHtml {
  return date ? html`<span>${formatTime(date)}</span> <span class="hint">(${relativeTime(date, now)})</span>` : html`<span class="muted">—</span>`;
}

function timeline(d: TaskDetail, now: Date): SafeHtml {
  const r = d.result;
  const steps: [string, Date | null][] = [
    ["Enqueued", r.enqueuedAt],
    ["Run after", d.runAfter],
    ["Due", d.availableAt],
    ["Started", r.startedAt],
    ["Last attempt", r.lastAttemptedAt],
    ["Finished", r.finishedAt],
  ];
  if (d.leaseExpiresAt) steps.push(["Lease expires", d.leaseExpiresAt]);
  return html`<ol class="timeline">${steps.map(([what, date]) => html`<li><span class="what">${what}</span><span>${when(date, now)}</span></li>`)}</ol>`;
}

/** The stack's first line without the class name the summary already shows. */
function firstLine(traceback: string, className: string): string {
  const line = traceback.split("\n", 1)[0] ?? "";
  return line.startsWith(`${className}: `) ? line.slice(className.length + 2) : line;
}

function errors(r: TaskResult<unknown>): SafeHtml {
  if (r.errors.length === 0) return html`<p class="muted">No errors recorded.</p>`;
  const last = r.errors.length - 1;
  return html`${r.errors.map(
    (e, i) => html`<details class="error"${i === last ? html` open` : ""}><summary>Attempt ${i + 1}: ${e.exceptionClassPath} <span class="hint">${firstLine(e.traceback, e.exceptionClassPath)}</span></summary><pre class="traceback">${e.traceback}</pre></details>`,
  )}`;
}

function actionForm(d: TaskDetail, csrf: string): SafeHtml {
  const status = d.result.status;
  const buttons: SafeHtml[] = [];
  if (status === "READY") buttons.push(html`<button type="submit" name="action" value="run">Run now</button>`);
  if (status === "FAILED") buttons.push(html`<button type="submit" name="action" value="retry">Retry</button>`);
  // errand's extension: READY never runs; RUNNING is aborted by its worker within about a second.
  if (status === "READY" || status === "RUNNING") buttons.push(html`<button type="submit" name="action" value="cancel" class="danger">Cancel</button>`);
  if (buttons.length === 0) return html``;
  return html`<form method="post" action="../../actions/">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${d.result.id}"><input type="hidden" name="from" value="detail">
${buttons}</form>`;
}

/** One task: facts, timeline, metadata (with a progress bar), arguments, return value, every error with its stack, and Run/Retry/Cancel. */
export function detailPage(d: TaskDetail, csrf: string, notice: Notice | null, now: Date): SafeHtml {
  const r = d.result;
  const returnValue = r.status === "SUCCESSFUL" ? html`<pre class="return-value">${prettyJson(r.returnValue)}</pre>` : html`<p class="muted">Available once the task succeeds.</p>`;
  return html`<p><a href="../../">← All tasks</a></p>
<div class="headline"><h1 class="task-name">${r.task.name}</h1>${statusBadge(r.status, d.availableAt, now)}${actionForm(d, csrf)}</div>
${notice ? html`<div class="notice ${notice.kind === "warn" ? "warn" : ""}" role="status">${notice.text}</div>` : ""}
<div class="grid2">
<section class="card"><h2>Task</h2><dl class="facts">
<dt>Id</dt><dd class="mono">${r.id}</dd>
<dt>Queue</dt><dd>${d.queueName}</dd>
<dt>Backend</dt><dd>${d.backendName}</dd>
<dt>Priority</dt><dd>${d.priority}</dd>
<dt>Attempts</dt><dd>${d.attempts} of ${d.maxAttempts}</dd>
<dt>Workers</dt><dd>${r.workerIds.length ? html`<ul class="plain mono">${r.workerIds.map((w) => html`<li>${w}</li>`)}</ul>` : html`<span class="muted">none yet</span>`}</dd>
${d.lockedBy ? html`<dt>Held by</dt><dd class="mono">${d.lockedBy}</dd>` : ""}
</dl></section>
<section class="card"><h2>Timeline</h2>${timeline(d, now)}</section>
</div>
${metadataCard(r.metadata)}
<section class="card"><h2>Arguments</h2><pre class="args">${prettyJson(r.args)}</pre></section>
<section class="card"><h2>Return value</h2>${returnValue}</section>
<section class="card"><h2>Errors (${r.errors.length})</h2>${errors(r)}</section>`;
}
