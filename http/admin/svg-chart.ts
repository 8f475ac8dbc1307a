/** Server-rendered SVG charts of the dashboard: no script, no external asset (the page's CSP allows none). */
import { html, type SafeHtml } from "../html.js";
import type { FinishedMinute } from "../../src/worker/task-record.js";

const W = 720;
const H = 180;
const PAD = { left: 36, right: 8, top: 10, bottom: 22 };

/** A round upper bound for the y axis (1, 2, 5, 10, 20, 50, …). */
function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= n) ?? 10 * p;
}

/**
 * Stacked bars of SUCCESSFUL (green) and FAILED (red) tasks per minute over the `minutes` minutes
 * that end at `now`, missing minutes as zero; each bar has a `<title>` with its counts.
 */
export function throughputChart(rows: readonly FinishedMinute[], now: Date, minutes = 60): SafeHtml {
  const last = Math.floor(now.getTime() / 60_000);
  const byMinute = new Map(rows.map((r) => [Math.floor(r.minute.getTime() / 60_000), r]));
  const series = Array.from({ length: minutes }, (_, i) => {
    const m = last - minutes + 1 + i;
    const r = byMinute.get(m);
    return { minute: new Date(m * 60_000), ok: r?.successful ?? 0, failed: r?.failed ?? 0 };
  });
  const max = niceMax(Math.max(0, ...series.map((s) => s.ok + s.failed)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / minutes;
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const bars = series.map((s, i) => {
    const x = PAD.left + i * slot + 1;
    const w = Math.max(1, slot - 2);
    const okTop = y(s.ok);
    const failTop = y(s.ok + s.failed);
    const label = `${s.minute.toISOString().slice(11, 16)} UTC: ${s.ok} succeeded, ${s.failed} failed`;
    return html`<g><title>${label}</title>${s.ok > 0 ? html`<rect x="${x.toFixed(1)}" y="${okTop.toFixed(1)}" width="${w.toFixed(1)}" height="${(y(0) - okTop).toFixed(1)}" fill="#1a7f37"/>` : ""}${
      s.failed > 0 ? html`<rect x="${x.toFixed(1)}" y="${failTop.toFixed(1)}" width="${w.toFixed(1)}" height="${(okTop - failTop).toFixed(1)}" fill="#cf222e"/>` : ""
    }</g>`;
  });
  const grid = (Number.isInteger(max / 2) ? [0, max / 2, max] : [0, max]).map(
    (v) => html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e4e7ec"/><text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#667085">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`,
  );
  const ticks = [0, Math.floor(minutes / 2), minutes - 1].map((i) => {
    const x = PAD.left + i * slot + slot / 2;
    const text = i === minutes - 1 ? "now" : `−${minutes - 1 - i} min`;
    const anchor = i === 0 ? "start" : i === minutes - 1 ? "end" : "middle";
    const tx = i === 0 ? PAD.left : i === minutes - 1 ? W - PAD.right : x;
    return html`<text x="${tx.toFixed(1)}" y="${H - 6}" text-anchor="${anchor}" font-size="11" fill="#667085">${text}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Tasks finished per minute, last ${minutes} minutes">${grid}${bars}${ticks}</svg>`;
}

/** Horizontal bars of READY tasks per queue (the queue depth), longest first. */
export function depthChart(depth: ReadonlyMap<string, number>): SafeHtml {
  const rows = [...depth].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (rows.length === 0) return html`<p class="muted">No queues yet.</p>`;
  const max = niceMax(Math.max(0, ...rows.map(([, n]) => n)));
  const width = 360;
  const rowH = 24;
  const labelW = 110;
  const barW = width - labelW - 40;
  const h = rows.length * rowH + 4;
  const bars = rows.map(([queue, n], i) => {
    const top = i * rowH + 4;
    const w = (n / max) * barW;
    return html`<g><title>${queue}: ${n} READY</title><text x="${labelW - 8}" y="${top + 14}" text-anchor="end" font-size="12" fill="#1d2430">${queue.length > 16 ? `${queue.slice(0, 15)}…` : queue}</text><rect x="${labelW}" y="${top + 2}" width="${Math.max(n > 0 ? 2 : 0, w).toFixed(1)}" height="${rowH - 8}" rx="3" fill="#5b6b82"/><text x="${(labelW + w + 6).toFixed(1)}" y="${top + 14}" font-size="12" fill="#667085">${n}</text></g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${width} ${h}" role="img" aria-label="READY tasks per queue">${bars}</svg>`;
}
