/**
 * Where the app runs, from the environment Cloud Run and App Engine set (django-database-task's
 * `detect_*` / `is_*` helpers, with the seed's bugs fixed). Each function reads `process.env` unless
 * given another environment.
 */
import { ErrandError } from "../../src/errors.js";
import { readMetadata, regionOfZone, type MetadataOptions } from "./metadata.js";

type Env = NodeJS.ProcessEnv;

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** Whether the process runs on Cloud Run (services and functions set `K_SERVICE`). */
export function isCloudRun(env: Env = process.env): boolean {
  return value(env, "K_SERVICE") !== undefined;
}

/** Whether the process runs on App Engine (standard or flexible: `GAE_SERVICE` and `GAE_VERSION` are set). */
export function isAppEngine(env: Env = process.env): boolean {
  return value(env, "GAE_SERVICE") !== undefined && value(env, "GAE_VERSION") !== undefined;
}

/**
 * The Google Cloud project: `GOOGLE_CLOUD_PROJECT`, else App Engine's `GAE_APPLICATION` without its
 * `s~` / `e~` partition prefix (exactly that prefix: `s~sample` is `sample`, not `ample`).
 * @returns `null` when neither is set (on Cloud Run, set `GOOGLE_CLOUD_PROJECT` or `OPTIONS.project`).
 */
export function detectGcpProject(env: Env = process.env): string | null {
  const project = value(env, "GOOGLE_CLOUD_PROJECT");
  if (project) return project;
  const app = value(env, "GAE_APPLICATION");
  if (!app) return null;
  const stripped = /^[se]~/.test(app) ? app.slice(2) : app;
  return stripped === "" ? null : stripped;
}

/**
 * The region for Cloud Tasks: `CLOUD_RUN_REGION`, else `GOOGLE_CLOUD_REGION`, else the region of the
 * metadata server's `instance/zone` (2 s timeout; never throws).
 * @returns `null` when none is known.
 */
export async function detectGcpLocation(options: MetadataOptions = {}): Promise<string | null> {
  const env = options.env ?? process.env;
  const fromEnv = value(env, "CLOUD_RUN_REGION") ?? value(env, "GOOGLE_CLOUD_REGION");
  if (fromEnv) return fromEnv;
  const zone = await readMetadata("instance/zone", options);
  return zone ? regionOfZone(zone) : null;
}

/**
 * The host Cloud Tasks should call: on App Engine, this version's own host,
 * `{GAE_VERSION}-dot-{GAE_SERVICE}-dot-{project}.appspot.com`, so a task runs on the version that
 * enqueued it.
 * @returns `null` outside App Engine and Cloud Run (and for a domain-scoped App Engine project).
 * @throws ErrandError on Cloud Run, whose URL cannot be derived from the environment: set
 *   `OPTIONS.handlerUrl` to the service URL instead.
 */
export function detectTaskHandlerHost(env: Env = process.env): string | null {
  if (isAppEngine(env)) {
    const project = detectGcpProject(env);
    // A domain-scoped project ("example.com:app") has no host of this shape: set handlerUrl.
    if (project && !project.includes(":")) return `${value(env, "GAE_VERSION")}-dot-${value(env, "GAE_SERVICE")}-dot-${project}.appspot.com`;
  }
  if (isCloudRun(env)) {
    throw new ErrandError(
      `On Cloud Run the service URL cannot be derived from the environment (service '${value(env, "K_SERVICE")}'): ` +
        'set OPTIONS.handlerUrl to it, e.g. "https://my-service-abc123-ew.a.run.app" (gcloud run services describe SERVICE --format "value(status.url)").',
    );
  }
  return null;
}
