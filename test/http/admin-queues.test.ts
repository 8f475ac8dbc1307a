/** The admin's Queues page (DESIGN §7): lists queues with state, counts and limits; Pause/Resume need a valid CSRF token. */
import test from "ava";
import { createTasksApp } from "../../http/index.js";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { MemoryBackend } from "../helpers/memory-backend.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { formInit, formSession } from "./support.js";

const mail = task({ name: "admin-queues.mail", queueName: "emails" }, (to: string) => to);

test.after.always(() => taskBackends.close());

test.serial("the Queues page pauses and resumes a queue, CSRF-checked, and shows its limits", async (t) => {
  const store = new MemoryStore();
  configureTasks({ default: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store, queues: { emails: { concurrency: 5, rateLimit: { limit: 50, perMs: 1000 } } } } } });
  await mail.enqueue("a@example.com");
  const app = createTasksApp({ auth: "none" });
  t.true((await (await app.request("/admin/")).text()).includes('href="queues/"'), "the nav links the page");

  const session = await formSession(await app.request("/admin/queues/"));
  t.regex(session.html, /<td>emails<\/td><td>active<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>0<\/td><td>concurrency 5, 50 per 1000 ms<\/td>/);
  const post = (fields: [string, string][]) => app.request("/admin/queues/", formInit(fields, { cookie: session.cookie }));

  t.is((await post([["action", "pause"], ["queue", "emails"], ["csrf", "0".repeat(32) + ".forged"]])).status, 403);
  t.deepEqual(await store.pausedQueues(), []);
  t.is((await post([["action", "explode"], ["queue", "emails"], ["csrf", session.token]])).status, 400);

  const paused = await post([["action", "pause"], ["queue", "emails"], ["csrf", session.token]]);
  t.is(paused.status, 303);
  t.deepEqual(await store.pausedQueues(), ["emails"]);
  const shown = await (await app.request(`/admin/queues/${paused.headers.get("location")!.slice(2)}`, { headers: { cookie: session.cookie } })).text();
  t.regex(shown, /Queue &#39;emails&#39; paused\.|Queue 'emails' paused\./);
  t.regex(shown, /<td>emails<\/td><td><strong>paused<\/strong><\/td>/);
  t.regex(shown, /value="resume"><button type="submit">Resume<\/button>/);

  t.is((await post([["action", "resume"], ["queue", "emails"], ["csrf", session.token]])).status, 303);
  t.deepEqual(await store.pausedQueues(), []);
});
