import { TASK_RESULT_STATUSES } from "../../src/task-result-status.js";
import { html, type SafeHtml } from "../html.js";
import type { FilterChoices, StatusCounts, TaskSummary } from "../../src/worker/index.js";
import { shortId, statusBadge, timeTag } from "./format.js";
import { progressBar } from "./metadata-card.js";
import type { ListParams, Notice } from "./list-params.js";

/** Everything the list page shows. */
export interface ListPageData {
  backend: string;
  params: ListParams;
  rows: TaskSummary[];
  total: number;
  pageSize: number;
  counts: StatusCounts;
  choices: FilterChoices;
  csrf: string;
  notice: Notice | null;
  now: Date;
}

function withQuery(query: URLSearchParams, changes: Record<string, string | undefined>): string {
  const q = new URLSearchParams(query);
  for (const [k, v] of Object.entries(changes)) if (v === undefined) q.delete(k); else q.set(k, v);
  const s = q.toString();
  return s ? `./?${s}` : "./";
}

function select(name: string, label: string, values: readonly string[], current: string | undefined): SafeHtml {
  const options = current && !values.includes(current) ? [current, ...values] : values;
  return html`<label>${label}<select name="${name}"><option value="">All</option>${options.map(
    (v) => html`<option value="${v}"${v === current ? html` selected` : ""}>${v}</option>`,
  )}</select></label>`;
}

function summary(d: ListPageData): SafeHtml {
  const link = (status: string | undefined) => withQuery(new URLSearchParams(), { status });
  const ready = d.counts.pending + d.counts.delayed;
  const item = (cls: string, href: string, n: number, label: string, sub = "") =>
    html`<a class="${cls}" href="${href}"><span class="n">${n}</span><span class="l">${label}</span>${sub ? html`<span class="sub">${sub}</span>` : ""}</a>`;
  return html`<div class="summary">
${item("ready", link("READY"), ready, "Ready", d.counts.delayed ? `${d.counts.delayed} delayed` : "")}
${item("running", link("RUNNING"), d.counts.running, "Running")}
${item("successful", link("SUCCESSFUL"), d.counts.successful, "Successful")}
${item("failed", link("FAILED"), d.counts.failed, "Failed")}
${d.counts.cancelled ? item("cancelled", link("CANCELLED"), d.counts.cancelled, "Cancelled") : ""}
${item("all", link(undefined), ready + d.counts.running + d.counts.successful + d.counts.failed + d.counts.cancelled, "All tasks")}
</div>`;
}

function filters(d: ListPageData): SafeHtml {
  const f = d.params.filter;
  return html`<form class="card filters" method="get" action="./" role="search">
<label class="search">Search by id or name<input type="search" name="q" value="${f.search ?? ""}" placeholder="e.g. 3f2a or send_email"></label>
${select("status", "Status", TASK_RESULT_STATUSES, f.status)}
${select("queue", "Queue", d.choices.queues, f.queueName)}
${select("backend", "Backend", d.choices.backends, f.backendName)}
${select("task", "Task", d.choices.taskPaths, f.taskPath)}
<button type="submit">Filter</button><a class="button secondary" href="./">Clear</a>
</form>`;
}

function row(r: TaskSummary, now: Date): SafeHtml {
  const href = `tasks/${encodeURIComponent(r.id)}/`;
  return html`<tr>
<td class="sel"><input type="checkbox" name="id" value="${r.id}" aria-label="Select ${r.id}"></td>
<td class="c-task"><a class="task-name" href="${href}">${r.taskPath}</a><div class="id mono">${shortId(r.id)}</div></td>
<td class="c-status">${statusBadge(r.status, r.availableAt, now)}${r.progress === null || r.progress === undefined ? "" : progressBar({ progress: r.progress })}</td>
<td class="c-meta" data-label="Queue">${r.queueName}</td>
<td class="c-meta" data-label="Attempts">${r.attempts} / ${r.maxAttempts}</td>
<td class="c-meta" data-label="Enqueued">${timeTag(r.enqueuedAt, now)}</td>
<td class="c-meta" data-label="Finished">${timeTag(r.finishedAt, now)}</td>
</tr>`;
}

function pager(d: ListPageData): SafeHtml {
  const pages = Math.max(1, Math.ceil(d.total / d.pageSize));
  const p = Math.min(d.params.page, pages);
  const prev = p > 1 ? html`<a class="button secondary" href="${withQuery(d.params.query, { page: String(p - 1) })}">← Newer</a>` : "";
  const next = p < pages ? html`<a class="button secondary" href="${withQuery(d.params.query, { page: String(p + 1) })}">Older →</a>` : "";
  return html`<nav class="pager" aria-label="Pages">${prev}<span class="muted">Page ${p} of ${pages}</span>${next}</nav>`;
}

/** The task list: status summary, filters, the selectable table and its actions, pages. */
export function listPage(d: ListPageData): SafeHtml {
  const table =
    d.rows.length === 0
      ? html`<div class="empty">No tasks match these filters.</div>`
      : html`<table class="tasks"><thead><tr><th class="sel"><input type="checkbox" id="select-all" aria-label="Select all"></th><th>Task</th><th>Status</th><th>Queue</th><th>Attempts</th><th>Enqueued</th><th>Finished</th></tr></thead>
<tbody>${d.rows.map((r) => row(r, d.now))}</tbody></table>`;
  return html`${summary(d)}
${d.notice ? html`<div class="notice ${d.notice.kind === "warn" ? "warn" : ""}" role="status">${d.notice.text}</div>` : ""}
${filters(d)}
<form class="card" method="post" action="actions/">
<input type="hidden" name="csrf" value="${d.csrf}"><input type="hidden" name="back" value="${d.params.query.toString()}">
<div class="actions">
<button type="submit" name="action" value="run">Run selected</button>
<button type="submit" name="action" value="retry" class="secondary">Retry selected</button>
<button type="submit" name="action" value="cancel" class="secondary">Cancel selected</button>
<a class="button secondary" href="purge/">Purge finished…</a>
<span class="count">${d.total} task${d.total === 1 ? "" : "s"} · backend ${d.backend}</span>
</div>
${table}
${pager(d)}
</form>`;
}
