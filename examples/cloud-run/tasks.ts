/** The example's background work. */
import { task } from "errand";

/** Pretends to send an email; runs when Cloud Tasks calls back (queue `emails` → Cloud Tasks queue `errand-emails`). */
export const sendWelcomeEmail = task({ name: "emails.sendWelcome", queueName: "emails", timeout: 30_000 }, async (email: string) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { to: email, subject: "Welcome!" };
});

/** Builds a report later: enqueued with `runAfter`, Cloud Tasks dispatches it at that time. */
export const buildReport = task({ name: "reports.build", maxAttempts: 3 }, async (userEmail: string) => {
  return { for: userEmail, lines: 3 };
});
