/** The example's background work: one task that succeeds, one that fails until its cause is fixed. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { task } from "errand";

/** Pretends to send an email; returns what it "sent". */
export const sendWelcomeEmail = task({ name: "emails.sendWelcome", queueName: "emails" }, async (email: string) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { to: email, subject: "Welcome!" };
});

/** Where `syncCrm` looks for its "API key": create this file, then retry the task in the admin page. */
export const CRM_KEY_FILE = fileURLToPath(new URL("./out/crm-key", import.meta.url));

/** Fails while out/crm-key is missing: a failure to inspect and retry from `/tasks/admin/`. */
export const syncCrm = task({ name: "crm.sync" }, (userId: number) => {
  if (!existsSync(CRM_KEY_FILE)) throw new Error(`CRM key missing: create ${CRM_KEY_FILE} and retry`);
  return { userId, synced: true };
});
