/**
 * Enqueues the quick start's tasks into the database and writes their ids to out/enqueued.json, for
 * results.ts. Nothing runs here: the tasks stay READY until `errand worker` claims them.
 *
 *   node --import tsx examples/quickstart/enqueue.ts
 */
import { mkdir, writeFile } from "node:fs/promises";
import { configureTasks, taskBackends, taskEnqueued, type TaskResult } from "errand";
import config from "./errand.config.js";
import { chargeCard, countWords, OUT_DIR, remindAbandonedCart, sendPasswordReset, sendWelcomeEmail, syncInventory, writeInvoiceReport } from "./tasks.js";

/** How far ahead the abandoned-cart reminder is deferred. scripts/quickstart.sh waits this long before its second worker pass. */
export const DEFER_SECONDS = 3;

configureTasks(config.TASKS ?? {});

// Signals run in the process where the event happens: here, each enqueue.
let enqueuedCount = 0;
const disconnect = taskEnqueued.connect(() => void enqueuedCount++);

const results: TaskResult<unknown>[] = [];
const show = (result: TaskResult<unknown>, note = "") => {
  results.push(result);
  const t = result.task;
  console.log(`  ${result.id}  ${t.name.padEnd(24)} queue=${t.queueName.padEnd(7)} priority=${String(t.priority).padEnd(3)} ${result.status}${note}`);
};

console.log(`Enqueueing on ${taskBackends.default.constructor.name} (${String(taskBackends.default.options.url)}):`);

show(await writeInvoiceReport.enqueue("cus_042", "2026-10", [
  { sku: "PLAN-PRO", quantity: 1, unitCents: 4900 },
  { sku: "SEAT", quantity: 7, unitCents: 900 },
  { sku: "STORAGE-100GB", quantity: 2, unitCents: 250 },
]));
show(await chargeCard.enqueue({ orderId: "ord_1042", amountCents: 12999, currency: "EUR" }));
show(await syncInventory.enqueue("eu-west-2"));
for (const result of await sendWelcomeEmail.enqueueMany([
  [101, "ada@example.com"],
  [102, "grace@example.com"],
])) {
  show(result, "  (enqueueMany)");
}
const runAfter = new Date(Date.now() + DEFER_SECONDS * 1000);
show(await remindAbandonedCart.using({ runAfter }).enqueue("cart_77", 3), `  (runAfter ${runAfter.toISOString()})`);
show(await countWords.using({ priority: 10 }).enqueue("The quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs."), "  (using priority 10)");
// Enqueued last, claimed first: priority 50 beats everything else that is due.
show(await sendPasswordReset.enqueue("ada@example.com"));

disconnect();
await mkdir(OUT_DIR, { recursive: true });
await writeFile(`${OUT_DIR}enqueued.json`, JSON.stringify(results.map((r) => ({ id: r.id, task: r.task.name })), null, 2));
console.log(`${enqueuedCount} tasks enqueued (taskEnqueued fired ${enqueuedCount} times); ids written to out/enqueued.json`);

await taskBackends.close();
