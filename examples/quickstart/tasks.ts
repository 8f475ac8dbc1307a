/**
 * The quick start's tasks: ordinary async functions wrapped with `task()`. Nothing here knows which
 * backend stores them or which process runs them; errand.config.ts decides that.
 *
 * Imports come from "errand" (the package itself, resolved to dist/ after `npm run build`), exactly as
 * an application would write them, so that this module and the `errand` CLI share one copy of errand.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { task, type TaskContext } from "errand";

/** Where tasks write their files: examples/quickstart/out/ (gitignored), whatever the working directory. */
export const OUT_DIR = fileURLToPath(new URL("./out/", import.meta.url));

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** Sends a password-reset email (simulated). Priority 50: due tasks of higher priority run first. */
export const sendPasswordReset = task(
  { name: "emails.sendPasswordReset", priority: 50, queueName: "emails" },
  async function sendPasswordReset(email: string) {
    await sleep(30); // stands in for the SMTP round trip
    return { to: email, template: "password-reset", accepted: true };
  },
);

/** Sends a welcome email (simulated); enqueued for several users at once with `enqueueMany`. */
export const sendWelcomeEmail = task({ queueName: "emails" }, async function sendWelcomeEmail(userId: number, email: string) {
  await sleep(20);
  return `welcome email for user ${userId} sent to ${email}`;
});

/** Reminds a customer of an abandoned cart; enqueue.ts defers it with `using({ runAfter })`. */
export const remindAbandonedCart = task(async function remindAbandonedCart(cartId: string, items: number) {
  return { cartId, items, remindedAt: new Date().toISOString() };
});

/**
 * Pulls stock levels from a warehouse API that times out on the first call (simulated), so it is
 * retried: `maxAttempts: 3`, half a second after the failure. It takes the context to know which
 * attempt it is and to pass `context.signal` on, so it stops if the worker shuts down.
 */
export const syncInventory = task(
  { takesContext: true, maxAttempts: 3, backoff: { baseMs: 500, jitter: false } },
  async function syncInventory(context: TaskContext, warehouse: string) {
    console.log(`[syncInventory] result ${context.taskResult.id}, attempt ${context.attempt}: syncing ${warehouse}`);
    await sleep(50, context.signal);
    if (context.attempt === 1) throw new Error(`warehouse API ${warehouse} timed out after 5000 ms`);
    return { warehouse, skusUpdated: 128, attempt: context.attempt };
  },
);

/** A payment that the (simulated) card processor declines. */
export class PaymentDeclinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PaymentDeclinedError";
  }
}

/** An order to charge. Any JSON-shaped type works as an argument type. */
export interface Charge {
  orderId: string;
  amountCents: number;
  currency: "EUR" | "USD";
}

/** Charges a card; this one is always declined, so its result is FAILED with the error recorded. */
export const chargeCard = task(async function chargeCard(charge: Charge): Promise<{ receipt: string }> {
  await sleep(40);
  const amount = `${(charge.amountCents / 100).toFixed(2)} ${charge.currency}`;
  throw new PaymentDeclinedError(`card declined for order ${charge.orderId} (${amount}): insufficient funds`);
});

/** One line of a monthly invoice. */
export interface InvoiceLine {
  sku: string;
  quantity: number;
  unitCents: number;
}

/** Real I/O: writes a CSV invoice under out/ and returns where it is and how big. */
export const writeInvoiceReport = task(
  { name: "reports.writeInvoice", queueName: "reports" },
  async function writeInvoiceReport(customerId: string, month: string, lines: InvoiceLine[]) {
    const rows = lines.map((l) => `${l.sku},${l.quantity},${(l.unitCents / 100).toFixed(2)},${((l.quantity * l.unitCents) / 100).toFixed(2)}`);
    const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.unitCents, 0);
    const csv = ["sku,quantity,unit_price,amount", ...rows, `TOTAL,,,${(totalCents / 100).toFixed(2)}`, ""].join("\n");
    await mkdir(OUT_DIR, { recursive: true });
    const path = `${OUT_DIR}invoice-${customerId}-${month}.csv`;
    await writeFile(path, csv, "utf8");
    return { path, bytes: Buffer.byteLength(csv), totalCents };
  },
);

/** Pure computation: word statistics of a text. */
export const countWords = task(async function countWords(text: string) {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  const frequency = new Map<string, number>();
  for (const w of words) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const top = [...frequency].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3);
  return { words: words.length, distinct: frequency.size, top: top.map(([word, n]) => `${word}×${n}`) };
});

/**
 * A periodic task: errand.config.ts schedules it every 2 seconds (`periodic`), and a long-running
 * worker enqueues each slot once. `context.scheduledAt` is the slot's fire time.
 */
export const heartbeat = task({ takesContext: true, queueName: "periodic" }, async function heartbeat(context: TaskContext) {
  const slot = context.scheduledAt?.toISOString() ?? "not scheduled";
  const lagMs = context.scheduledAt ? Date.now() - context.scheduledAt.getTime() : 0;
  console.log(`[heartbeat] slot ${slot} ran ${lagMs} ms after its fire time`);
  return { slot, lagMs };
});

/** Every task of the example: what errand.config.ts lists for the worker. */
export const allTasks = [sendPasswordReset, sendWelcomeEmail, remindAbandonedCart, syncInventory, chargeCard, writeInvoiceReport, countWords, heartbeat];
