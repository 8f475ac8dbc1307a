/**
 * Reads back every result enqueue.ts created (ids from out/enqueued.json) and prints a table: task,
 * status, return value or error, attempts, and how long each task waited and ran.
 *
 *   node --import tsx examples/quickstart/results.ts
 */
import { readFile } from "node:fs/promises";
import { configureTasks, taskBackends, TaskResultStatus, type TaskError, type TaskResult } from "errand";
import config from "./errand.config.js";
import { OUT_DIR, writeInvoiceReport } from "./tasks.js";

configureTasks(config.TASKS ?? {});
const backend = taskBackends.default;
const enqueued = JSON.parse(await readFile(`${OUT_DIR}enqueued.json`, "utf8")) as { id: string; task: string }[];

// Any process can read results by id on a backend with supportsGetResult (the database backend does).
const results: TaskResult<unknown>[] = [];
for (const { id } of enqueued) results.push(await backend.getResult(id));

const ms = (from: Date | null, to: Date | null) => (from && to ? `${Math.max(0, to.getTime() - from.getTime())} ms` : "-");
const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

/** "ClassName: message" of an error record: its class, and the first line of its stack. */
function describeError(error: TaskError): string {
  const first = error.traceback.split("\n", 1)[0] ?? "";
  return first.startsWith(`${error.exceptionClassPath}: `) ? first : `${error.exceptionClassPath}: ${first}`;
}

function outcome(result: TaskResult<unknown>): string {
  if (result.status === TaskResultStatus.SUCCESSFUL) return JSON.stringify(result.returnValue);
  const last = result.errors.at(-1);
  if (last) return describeError(last);
  return result.task.runAfter ? `not due until ${result.task.runAfter.toISOString()}` : "not run yet";
}

const header = ["task", "status", "attempts", "waited", "ran", "return value / error"];
const rows = results.map((r) => [
  r.task.name,
  r.status,
  String(r.attempts),
  ms(r.task.runAfter ?? r.enqueuedAt, r.startedAt),
  ms(r.lastAttemptedAt, r.finishedAt),
  outcome(r),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (i === 5 ? 0 : row[i]!.length))));
const line = (cells: string[]) => cells.map((c, i) => (i === 5 ? clip(c, 110) : c.padEnd(widths[i]!))).join("  ").trimEnd();

console.log(`Results from ${backend.constructor.name} '${backend.alias}':`);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(row));

const counts = Object.values(TaskResultStatus).map((s) => `${results.filter((r) => r.status === s).length} ${s}`);
console.log(`\n${results.length} tasks: ${counts.join(", ")}`);

// Every failed attempt leaves an error record, also when a retry then succeeded.
for (const r of results) {
  r.errors.forEach((error, i) => console.log(`${r.task.name}: attempt ${i + 1} failed with ${describeError(error)}`));
}
const invoice = enqueued.find((e) => e.task === writeInvoiceReport.name);
if (invoice) {
  // Task.getResult is typed: returnValue is { path: string; bytes: number; totalCents: number }.
  const report = await writeInvoiceReport.getResult(invoice.id);
  if (report.status === TaskResultStatus.SUCCESSFUL) {
    console.log(`invoice written to ${report.returnValue.path} (${report.returnValue.bytes} bytes, total ${(report.returnValue.totalCents / 100).toFixed(2)})`);
  }
}

await taskBackends.close();
