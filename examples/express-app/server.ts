/**
 * Serves the example on http://127.0.0.1:3000 (PORT to change it).
 *
 *   TASKS_TOKEN=dev-secret node --import tsx examples/express-app/server.ts
 */
import { app } from "./app.js";

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => {
  console.log(`Listening on http://127.0.0.1:${port}  (admin: http://127.0.0.1:${port}/tasks/admin/)`);
});
