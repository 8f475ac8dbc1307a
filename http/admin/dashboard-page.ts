import { html, type SafeHtml } from "../html.js";
import type { QueueSnapshot } from "../../src/telemetry/queue-snapshot.js";
import type { LiveWorker } from "../../src/worker/live-workers.js";
import type { FinishedMinute, StatusCounts } from "../../src/worker/task-record.js";
import { formatTime, timeTag } from "./format.js";
import { depthChart, throughputChart } from "./svg-chart.js";

/** What the dashboard shows. */
export interface DashboardData {
  backend: string;
  counts: StatusCounts;
  snapshot: QueueSnapshot;
  finished: readonly FinishedMinute[];
  workers: readonly LiveWorker[];
  /** Seconds between reloads, or 0 when auto-refresh is off. */
  refreshSeconds: number;
  now: Date;
}

const STATUSES = ["READY", "RUNNING", "SUCCESSFUL", "FAILED"] as const;

function card(label: string, value: string | number, status: string, kind = "", sub: SafeHtml | string = ""): SafeHtml {
  return html`<a class="${kind}" href="../?status=${status}"><span class="l">${label}</span><span class="n">${value}</span><span class="sub">${sub}</span></a>`;
}

/** The overview page: last hour's throughput and failures per minute, queue depth, live workers. */
export function dashboardPage(d: DashboardData): SafeHtml {
  const succeeded = d.finished.reduce((n, r) => n + r.successful, 0);
  const failed = d.finished.reduce((n, r) => n + r.failed, 0);
  const wait = d.snapshot.oldestReadyAgeS === null ? "—" : `${Math.round(d.snapshot.oldestReadyAgeS)} s`;
  const byQueue = new Map<string, Record<string, number>>();
  for (const row of d.snapshot.byQueueAndStatus) {
    const counts = byQueue.get(row.queueName) ?? {};
    counts[row.status] = row.count;
    byQueue.set(row.queueName, counts);
  }
  const refresh =
    d.refreshSeconds > 0
      ? html`Refreshes every ${d.refreshSeconds} s · <a href="?refresh=0">stop</a>`
      : html`Auto-refresh off · <a href="?refresh=10">refresh every 10 s</a>`;
  return html`<div class="headline"><h1>Dashboard</h1><span class="hint">Backend '${d.backend}' · ${formatTime(d.now)} · ${refresh}</span></div>
<div class="summary">
${card("Pending", d.counts.pending, "READY", "", `${d.counts.delayed} delayed`)}
${card("Running", d.counts.running, "RUNNING", "running", `${d.workers.length} busy worker(s)`)}
${card("Succeeded, 1 h", succeeded, "SUCCESSFUL", "successful")}
${card("Failed, 1 h", failed, "FAILED", "failed")}
${card("Oldest wait", wait, "READY", "", "due READY task")}
</div>
<section class="card"><h2>Finished per minute, last hour</h2>
${throughputChart(d.finished, d.now)}
<p class="hint"><span class="swatch ok"></span> succeeded <span class="swatch fail"></span> failed · from the tasks' finish times; purged tasks are not counted</p></section>
<div class="grid2">
<section class="card"><h2>Queue depth (READY tasks)</h2>${depthChart(d.snapshot.depth)}</section>
<section class="card"><h2>Tasks by queue</h2>${
    byQueue.size === 0
      ? html`<p class="muted">No tasks.</p>`
      : html`<table class="tasks"><thead><tr><th>Queue</th>${STATUSES.map((s) => html`<th>${s}</th>`)}</tr></thead><tbody>${[...byQueue].map(
          ([queue, counts]) => html`<tr><td>${queue}</td>${STATUSES.map((s) => html`<td>${counts[s] ?? 0}</td>`)}</tr>`,
        )}</tbody></table>`
  }</section>
</div>
<section class="card"><h2>Live workers</h2>${
    d.workers.length === 0
      ? html`<p class="muted">No worker holds a task right now.</p>`
      : html`<table class="tasks workers"><thead><tr><th>Worker</th><th>Host</th><th>Busy since</th><th>Tasks in flight</th><th>Last heartbeat</th><th>Lease until</th></tr></thead><tbody>${d.workers.map(
          (w) =>
            html`<tr><td class="mono">${w.id}</td><td>${w.host}</td><td>${timeTag(w.busySince, d.now)}</td><td>${w.inFlight}</td><td>${timeTag(w.lastHeartbeat, d.now)}</td><td>${timeTag(w.leaseExpiresAt, d.now)}</td></tr>`,
        )}</tbody></table>`
  }
<p class="hint">Derived from the RUNNING tasks' holders and leases (errand keeps no table of workers): an idle worker is not listed; the heartbeat is its last lease renewal.</p></section>`;
}
