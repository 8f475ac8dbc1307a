import { html, type SafeHtml } from "../html.js";
import type { QueueLine } from "../../src/worker/queue-report.js";

const STATUSES = ["READY", "RUNNING", "SUCCESSFUL", "FAILED"];

function limitsText(q: QueueLine): string {
  const parts: string[] = [];
  if (q.limits?.concurrency !== undefined) parts.push(`concurrency ${q.limits.concurrency}`);
  if (q.limits?.rateLimit) parts.push(`${q.limits.rateLimit.limit} per ${q.limits.rateLimit.perMs} ms`);
  return parts.join(", ");
}

/**
 * The queues page (DESIGN §7): per queue its state, counts and limits (what `errand queues`
 * prints), with a Pause or Resume button posting to the same page.
 */
export function queuesPage(queues: readonly QueueLine[], backend: string, csrf: string, notice?: string): SafeHtml {
  const body =
    queues.length === 0
      ? html`<p class="muted">No queues on backend '${backend}' yet: none has tasks, is paused or has limits.</p>`
      : html`<table class="tasks"><thead><tr><th>Queue</th><th>State</th>${STATUSES.map((s) => html`<th>${s}</th>`)}<th>Limits</th><th></th></tr></thead>
<tbody>${queues.map(
          (q) =>
            html`<tr><td>${q.name}</td><td>${q.paused ? html`<strong>paused</strong>` : "active"}</td>${STATUSES.map((s) => html`<td>${String(q.counts[s] ?? 0)}</td>`)}<td>${limitsText(q) || html`<span class="muted">-</span>`}</td>
<td><form method="post" action="./"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="queue" value="${q.name}"><input type="hidden" name="action" value="${q.paused ? "resume" : "pause"}"><button type="submit"${q.paused ? "" : html` class="secondary"`}>${q.paused ? "Resume" : "Pause"}</button></form></td></tr>`,
        )}</tbody></table>`;
  return html`<p><a href="../">← All tasks</a></p>
<h1>Queues</h1>
${notice ? html`<p class="notice">${notice}</p>` : ""}
<section class="card">${body}
<p class="muted">A paused queue's tasks stay READY: workers stop claiming them within a second; running ones go on.</p></section>`;
}
