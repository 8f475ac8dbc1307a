/** Builds the `CreateTaskRequest` for one stored task: the id only, POSTed back to the execute endpoint. */
import { DEFAULT_TASK_BACKEND_ALIAS } from "../../src/constants.js";
import type { CreateTaskRequest, ProtoDuration, ProtoTimestamp } from "./client.js";

/** Where and how a backend's Cloud Tasks are created (resolved once from OPTIONS and the environment). */
export interface CloudTasksTarget {
  project: string;
  location: string;
  /** `handlerUrl` + `handlerPath`, without a trailing slash: the URL where `createTasksApp` is mounted. */
  endpointBase: string;
  /** The OIDC token Cloud Tasks attaches, when a service account is configured. */
  oidcToken?: { serviceAccountEmail: string; audience: string };
}

/** Cloud Tasks' bounds for an HTTP target's dispatch deadline, in seconds. */
export const DISPATCH_DEADLINE_BOUNDS = { min: 15, max: 30 * 60 } as const;

/** Seconds added to a task's timeout so the handler can record a timed-out attempt before Cloud Tasks gives up on the call. */
export const DISPATCH_DEADLINE_MARGIN_S = 5;

/** One stored task to dispatch. */
export interface DispatchItem {
  id: string;
  /** The task's errand queue name. */
  queueName: string;
  runAfter: Date | null;
  /** Milliseconds an attempt may run, or `null` for no limit. */
  timeoutMs: number | null;
  /** The backend alias (added as `backend_name` when it is not `"default"`). */
  backendAlias: string;
}

/** `projects/{project}/locations/{location}/queues/{queue}`. */
export function queuePath(target: Pick<CloudTasksTarget, "project" | "location">, queueId: string): string {
  return `projects/${target.project}/locations/${target.location}/queues/${queueId}`;
}

/** The URL Cloud Tasks POSTs to for task `id`. */
export function executeUrl(target: Pick<CloudTasksTarget, "endpointBase">, id: string, backendAlias: string): string {
  const backend = backendAlias === DEFAULT_TASK_BACKEND_ALIAS ? "" : `&backend_name=${encodeURIComponent(backendAlias)}`;
  return `${target.endpointBase}/execute/${encodeURIComponent(id)}/?fail_on_error=true&allow_retry=true${backend}`;
}

/** A `Date` as a protobuf Timestamp. */
export function toTimestamp(date: Date): ProtoTimestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/**
 * The dispatch deadline for a task timeout: the timeout plus {@link DISPATCH_DEADLINE_MARGIN_S},
 * rounded up to whole seconds and clamped to Cloud Tasks' 15 s – 30 min.
 * @returns `undefined` for no timeout (Cloud Tasks' default, 10 minutes, applies).
 */
export function dispatchDeadline(timeoutMs: number | null): ProtoDuration | undefined {
  if (timeoutMs === null) return undefined;
  const seconds = Math.ceil(timeoutMs / 1000) + DISPATCH_DEADLINE_MARGIN_S;
  return { seconds: Math.min(DISPATCH_DEADLINE_BOUNDS.max, Math.max(DISPATCH_DEADLINE_BOUNDS.min, seconds)), nanos: 0 };
}

/** The request creating the Cloud Task of `item` in Cloud Tasks queue `queueId`. */
export function buildCreateTaskRequest(target: CloudTasksTarget, queueId: string, item: DispatchItem): CreateTaskRequest {
  const deadline = dispatchDeadline(item.timeoutMs);
  return {
    parent: queuePath(target, queueId),
    task: {
      httpRequest: {
        httpMethod: "POST",
        url: executeUrl(target, item.id, item.backendAlias),
        headers: { "Content-Type": "application/json" },
        body: Buffer.from(JSON.stringify({ id: item.id }), "utf8").toString("base64"),
        ...(target.oidcToken && { oidcToken: { ...target.oidcToken } }),
      },
      ...(item.runAfter && { scheduleTime: toTimestamp(item.runAfter) }),
      ...(deadline && { dispatchDeadline: deadline }),
    },
  };
}
