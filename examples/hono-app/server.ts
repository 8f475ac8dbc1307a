/**
 * Serves the example on http://127.0.0.1:3000 (PORT to change it).
 *
 *   TASKS_TOKEN=dev-secret node --import tsx examples/hono-app/server.ts
 */
import { serve } from "@hono/node-server";
import { app } from "./app.js";

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`Listening on http://127.0.0.1:${info.port}  (admin: http://127.0.0.1:${info.port}/tasks/admin/)`);
});
