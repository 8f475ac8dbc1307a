/**
 * Serves the example on 0.0.0.0:$PORT, as Cloud Run expects (PORT defaults to 8080).
 *
 *   node --import tsx examples/cloud-run/server.ts
 */
import { serve } from "@hono/node-server";
import { taskBackends } from "errand";
import { app } from "./app.js";

const port = Number(process.env.PORT ?? 8080);
const server = serve({ fetch: app.fetch, port, hostname: "0.0.0.0" }, (info) => {
  console.log(`Listening on port ${info.port}`);
});

// Cloud Run sends SIGTERM before stopping an instance: finish requests, close the database.
process.once("SIGTERM", () => {
  server.close(() => void taskBackends.close().then(() => process.exit(0)));
});
