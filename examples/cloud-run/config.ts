/**
 * The `TASKS` configuration, from the environment; shared by the app (app.ts) and the CLI
 * (errand.config.ts: `errand migrate`, `errand worker --batch`).
 *
 *   DATABASE_URL          postgresql://… (required)
 *   SERVICE_URL           this service's URL, e.g. https://signup-abc123-ew.a.run.app (required on Cloud Run)
 *   TASKS_INVOKER_SA      the service account Cloud Tasks signs tokens as (required here: no open endpoints)
 *   GOOGLE_CLOUD_PROJECT  the project of the queues (Cloud Run does not set it)
 *   CLOUD_TASKS_LOCATION  the queues' region; default: the region Cloud Run runs in (metadata server)
 */
import type { TasksConfig } from "errand";
import { CloudTasksBackend } from "errand/backends/cloudtasks";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} (see examples/cloud-run/README.md).`);
  return value;
}

export const TASKS: TasksConfig = {
  default: {
    BACKEND: CloudTasksBackend,
    QUEUES: ["default", "emails"],
    OPTIONS: {
      url: required("DATABASE_URL"),
      handlerUrl: required("SERVICE_URL"),
      handlerPath: "/tasks",
      oidcServiceAccountEmail: required("TASKS_INVOKER_SA"),
      // oidcAudience defaults to the origin of handlerUrl: the Cloud Run service URL.
      ...(process.env.CLOUD_TASKS_LOCATION && { location: process.env.CLOUD_TASKS_LOCATION }),
      queueMap: { default: "errand-default", emails: "errand-emails" },
      maxAttempts: 1, // retries are the Cloud Tasks queue's
    },
  },
};
