import { html, type SafeHtml } from "../html.js";
import { formatInZone, type ScheduleLine } from "../../src/worker/schedule-report.js";

function when(date: Date | null, timezone: string): SafeHtml {
  if (date === null) return html`<span class="muted">-</span>`;
  const utc = formatInZone(date, "UTC").replace(" GMT+00:00", " UTC");
  return timezone === "UTC" ? html`${utc}` : html`${formatInZone(date, timezone)}<br><span class="muted">${utc}</span>`;
}

/**
 * The schedules page: the periodic tasks of `createTasksApp({ periodic })` that enqueue into the
 * admin's backend, with their next fire time and the last slot a worker enqueued (what
 * `errand schedules` prints).
 */
export function schedulesPage(lines: readonly ScheduleLine[], backend: string): SafeHtml {
  const body =
    lines.length === 0
      ? html`<p class="muted">No periodic tasks on backend '${backend}'. Pass the config's <code>periodic</code> to <code>createTasksApp({ periodic })</code> to list them here.</p>`
      : html`<table class="tasks"><thead><tr><th>Key</th><th>Task</th><th>Cron</th><th>Time zone</th><th>Next</th><th>Last enqueued</th></tr></thead>
<tbody>${lines.map(
          (l) =>
            html`<tr><td>${l.key}</td><td>${l.task}</td><td><code>${l.cron}</code></td><td>${l.timezone}</td><td>${when(l.next, l.timezone)}</td><td>${
              l.slotsKept ? when(l.last, l.timezone) : html`<span class="muted">this store keeps no slots</span>`
            }</td></tr>`,
        )}</tbody></table>`;
  return html`<p><a href="../">← All tasks</a></p>
<h1>Periodic tasks</h1>
<section class="card">${body}</section>`;
}
