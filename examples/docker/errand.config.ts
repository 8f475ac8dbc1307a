// The tasks and the config, read by `errand migrate` and `errand worker` in the containers, and
// imported by the application's own code (see the README's "Getting started").
import { defineConfig, task } from "errand";
import { DatabaseBackend } from "errand/backends/database";

export const sendWelcomeEmail = task(async function sendWelcomeEmail(userId: number) {
  return { userId, sent: true };
});

export const TASKS = {
  default: { BACKEND: DatabaseBackend, OPTIONS: { url: process.env.DATABASE_URL ?? "postgresql://postgres:errand@localhost:5432/app" } },
};

export default defineConfig({ TASKS, tasks: [sendWelcomeEmail] });
