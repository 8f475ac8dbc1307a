/**
 * The part of `@google-cloud/tasks`' `CloudTasksClient` the backend uses, and its lazy loading: the
 * package (google-gax, gRPC) is imported on first use only, so `errand/backends/cloudtasks` loads
 * without it and a missing install gives one clear message.
 */
import { MissingPeerError } from "../../src/errors.js";
import { importOptional } from "../../src/optional-import.js";

/** A `google.protobuf.Timestamp`. */
export interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

/** A `google.protobuf.Duration`. */
export interface ProtoDuration {
  seconds: number;
  nanos: number;
}

/** The `CreateTaskRequest` errand sends (Cloud Tasks API v2, an HTTP target task). */
export interface CreateTaskRequest {
  /** `projects/{project}/locations/{location}/queues/{queue}`. */
  parent: string;
  task: {
    httpRequest: {
      httpMethod: "POST";
      url: string;
      headers: Record<string, string>;
      /** The JSON body, base64-encoded (the API's representation of `bytes`). */
      body: string;
      oidcToken?: { serviceAccountEmail: string; audience: string };
    };
    scheduleTime?: ProtoTimestamp;
    dispatchDeadline?: ProtoDuration;
  };
}

/**
 * What the backend needs from a Cloud Tasks client. `CloudTasksClient` from `@google-cloud/tasks`
 * (v2) satisfies it.
 */
export interface CloudTasksClientLike {
  createTask(request: CreateTaskRequest, options?: { timeout?: number }): Promise<unknown>;
  /**
   * Resolves credentials and creates the gRPC stub. The backend awaits it before `createTask`: a
   * google-gax client whose credentials cannot be loaded otherwise also leaves an unhandled rejection
   * behind every call (googleapis/google-cloud-node#9085), which would crash the process.
   */
  initialize?(): Promise<unknown>;
  close?(): Promise<void>;
}

/** The message thrown when `@google-cloud/tasks` is not installed. */
export const INSTALL_MESSAGE = "CloudTasksBackend needs the Cloud Tasks client: npm install @google-cloud/tasks";

/**
 * Imports `@google-cloud/tasks` and creates a `CloudTasksClient` with Application Default Credentials,
 * initialized (credentials loaded).
 * @throws MissingPeerError with {@link INSTALL_MESSAGE} when the package is missing, or the credentials error
 *   (the half-made client is closed: a client whose initialization failed stays unusable).
 */
export async function createDefaultClient(): Promise<CloudTasksClientLike> {
  const { CloudTasksClient } = await importTasksPackage();
  const client = new CloudTasksClient() as CloudTasksClientLike;
  try {
    await client.initialize?.();
  } catch (error) {
    await client.close?.().catch(() => undefined);
    throw error;
  }
  return client;
}

/**
 * `@google-cloud/tasks`, imported on demand.
 * @throws MissingPeerError with {@link INSTALL_MESSAGE} when the package is missing.
 */
export async function importTasksPackage(): Promise<{ CloudTasksClient: new (options?: object) => unknown }> {
  const loaded = await importOptional(() => import("@google-cloud/tasks"));
  if (loaded instanceof Error) {
    throw new MissingPeerError({ packageName: "@google-cloud/tasks", feature: "CloudTasksBackend", message: INSTALL_MESSAGE }, { cause: loaded });
  }
  return loaded as unknown as { CloudTasksClient: new (options?: object) => unknown };
}
