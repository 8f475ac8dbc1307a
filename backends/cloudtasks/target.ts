/**
 * Resolves a backend's Cloud Tasks target (project, location, endpoint URL, OIDC token) from its
 * OPTIONS, falling back to the environment (see detect.ts).
 */
import { detectGcpLocation, detectGcpProject, detectTaskHandlerHost } from "./detect.js";
import type { MetadataOptions } from "./metadata.js";
import { CLOUD_TASKS_DEFAULTS, type CloudTasksBackendOptions } from "./options.js";
import type { CloudTasksTarget } from "./task-request.js";

type CloudOptions = Pick<CloudTasksBackendOptions, "project" | "location" | "handlerUrl" | "handlerPath" | "oidcServiceAccountEmail" | "oidcAudience">;

/**
 * The base URL tasks are sent to (`handlerUrl`, else `https://` + the App Engine host), without a
 * trailing slash.
 * @returns `null` when unknown.
 * @throws ErrandError on Cloud Run without `handlerUrl` (see `detectTaskHandlerHost`).
 */
export function handlerBaseUrl(o: CloudOptions, env: NodeJS.ProcessEnv = process.env): string | null {
  if (o.handlerUrl) return o.handlerUrl.replace(/\/+$/, "");
  const host = detectTaskHandlerHost(env);
  return host ? `https://${host}` : null;
}

/** `handlerBaseUrl` + `handlerPath`, without a trailing slash. */
export function endpointBase(base: string, handlerPath: string | undefined): string {
  const path = (handlerPath ?? CLOUD_TASKS_DEFAULTS.handlerPath).replace(/\/+$/, "");
  return `${base}${path}`;
}

/**
 * The OIDC audience: `oidcAudience`, else the origin of the handler URL (a Cloud Run service accepts
 * its URL as audience).
 * @returns `null` when neither is known. Never throws.
 */
export function oidcAudienceOf(o: CloudOptions, env: NodeJS.ProcessEnv = process.env): string | null {
  if (o.oidcAudience) return o.oidcAudience;
  try {
    const base = handlerBaseUrl(o, env);
    return base ? new URL(base).origin : null;
  } catch {
    return null;
  }
}

/** A resolved target, or what is missing. */
export type TargetResolution = { target: CloudTasksTarget; problems: [] } | { target: null; problems: string[] };

/**
 * Resolves the target of backend `alias`; each problem is a message naming the option to set.
 * Queries the metadata server (2 s timeout) only when no location is configured.
 */
export async function resolveTarget(alias: string, o: CloudOptions, metadata: MetadataOptions = {}): Promise<TargetResolution> {
  const env = metadata.env ?? process.env;
  const field = (name: string) => `TASKS.${alias}.OPTIONS.${name}`;
  const problems: string[] = [];
  const project = o.project ?? detectGcpProject(env);
  if (!project) problems.push(`Backend '${alias}': no Google Cloud project: set ${field("project")} or GOOGLE_CLOUD_PROJECT.`);
  const location = o.location ?? (await detectGcpLocation(metadata));
  if (!location) {
    problems.push(
      `Backend '${alias}': no Cloud Tasks location: set ${field("location")}, CLOUD_RUN_REGION or GOOGLE_CLOUD_REGION (the metadata server gave no zone).`,
    );
  }
  let base: string | null = null;
  try {
    base = handlerBaseUrl(o, env);
    if (!base) problems.push(`Backend '${alias}': no handler URL: set ${field("handlerUrl")} to the app's public URL (it is only detected on App Engine).`);
  } catch (error) {
    problems.push(`Backend '${alias}': ${(error as Error).message.replace("OPTIONS.handlerUrl", field("handlerUrl"))}`);
  }
  if (!project || !location || !base) return { target: null, problems };
  const audience = o.oidcAudience ?? new URL(base).origin;
  return {
    target: {
      project,
      location,
      endpointBase: endpointBase(base, o.handlerPath),
      ...(o.oidcServiceAccountEmail && { oidcToken: { serviceAccountEmail: o.oidcServiceAccountEmail, audience } }),
    },
    problems: [],
  };
}
