/**
 * A local Cloud Tasks peer for the tests: a real gRPC server (`@grpc/grpc-js`) serving the
 * `google.cloud.tasks.v2.CloudTasks` service from the protos `@google-cloud/tasks` ships. It records
 * every `CreateTask` and then does what Cloud Tasks does with an HTTP target: at `scheduleTime` it
 * POSTs the body to the URL (with a freshly signed OIDC token when the task asks for one), and retries
 * with exponential back-off while the handler answers anything but 2xx, up to `maxAttempts`.
 *
 * The real `CloudTasksClient` talks to it through {@link LocalCloudTasks.client}.
 */
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { CloudTasksClient } from "@google-cloud/tasks";

const tasksProtos = join(dirname(fileURLToPath(import.meta.resolve("@google-cloud/tasks"))), "../../protos");
const gaxProtos = join(dirname(fileURLToPath(import.meta.resolve("google-gax"))), "../protos");

/** Signs the OIDC token of one dispatch. */
export type TokenSigner = (claims: { audience: string; serviceAccountEmail: string }) => Promise<string>;

/** Options of {@link LocalCloudTasks.start}. */
export interface LocalCloudTasksOptions {
  /** Signs OIDC tokens (required for tasks that carry `oidcToken`). */
  signer?: TokenSigner;
  /** Dispatch attempts before giving up (a queue's `maxAttempts`). @defaultValue 5 */
  maxAttempts?: number;
  /** First retry delay, doubled each time. @defaultValue 100 */
  minBackoffMs?: number;
  /** Longest retry delay. @defaultValue 1000 */
  maxBackoffMs?: number;
  /** Actually call the handlers. `false` only records. @defaultValue true */
  dispatch?: boolean;
  /** Queue ids that exist; CreateTask in another queue is NOT_FOUND. @defaultValue any */
  queues?: readonly string[];
}

/** One dispatch attempt. */
export interface DispatchAttempt {
  at: Date;
  /** The HTTP status, or `null` when the call failed (connection refused, deadline). */
  status: number | null;
  error?: string;
  /** The Authorization header sent. */
  authorization: string | null;
}

/** A task as the local server holds it. */
export interface LocalTask {
  /** `projects/…/queues/…/tasks/<generated>`. */
  name: string;
  parent: string;
  url: string;
  httpMethod: string;
  headers: Record<string, string>;
  body: Buffer;
  oidcToken: { serviceAccountEmail: string; audience: string } | null;
  scheduleTime: Date | null;
  dispatchDeadlineSeconds: number | null;
  createdAt: Date;
  attempts: DispatchAttempt[];
  state: "scheduled" | "dispatching" | "succeeded" | "gave-up";
}

interface Timestamp {
  seconds?: number | string;
  nanos?: number;
}

function toDate(ts: Timestamp | null | undefined): Date | null {
  if (!ts) return null;
  return new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

function toTimestamp(date: Date): { seconds: number; nanos: number } {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

/** The local Cloud Tasks server. */
export class LocalCloudTasks {
  /** Every task created, in order. */
  readonly tasks: LocalTask[] = [];
  /** Every CreateTask request, as received (including rejected ones). */
  readonly requests: Record<string, unknown>[] = [];
  readonly #server: grpc.Server;
  readonly #options: Required<Omit<LocalCloudTasksOptions, "signer" | "queues">> & LocalCloudTasksOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #clients: CloudTasksClient[] = [];
  #stopped = false;

  private constructor(server: grpc.Server, readonly port: number, options: LocalCloudTasksOptions) {
    this.#server = server;
    this.#options = { maxAttempts: 5, minBackoffMs: 100, maxBackoffMs: 1000, dispatch: true, ...options };
  }

  /** Starts a server on 127.0.0.1 on a free port. */
  static async start(options: LocalCloudTasksOptions = {}): Promise<LocalCloudTasks> {
    const definition = protoLoader.loadSync("google/cloud/tasks/v2/cloudtasks.proto", {
      includeDirs: [tasksProtos, gaxProtos],
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      google: { cloud: { tasks: { v2: { CloudTasks: grpc.ServiceClientConstructor } } } };
    };
    const server = new grpc.Server();
    let self: LocalCloudTasks | undefined;
    server.addService(loaded.google.cloud.tasks.v2.CloudTasks.service, {
      createTask: (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        try {
          callback(null, self!.#createTask(call.request));
        } catch (error) {
          callback(error as grpc.ServiceError);
        }
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    self = new LocalCloudTasks(server, port, options);
    return self;
  }

  /** A real `CloudTasksClient` talking to this server (closed by {@link close}). */
  client(): CloudTasksClient {
    const client = new CloudTasksClient({
      apiEndpoint: "127.0.0.1",
      port: this.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: "googleapis.com",
    });
    this.#clients.push(client);
    return client;
  }

  /** The tasks whose URL contains `id` (the execute URL of that errand task). */
  tasksFor(id: string): LocalTask[] {
    return this.tasks.filter((t) => t.url.includes(`/execute/${id}/`));
  }

  /** Stops dispatching and shuts the server down; its clients stay open (and get UNAVAILABLE). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#server.forceShutdown();
  }

  /** {@link stop}, and closes the clients made by {@link client}. */
  async close(): Promise<void> {
    this.stop();
    await Promise.all(this.#clients.splice(0).map((c) => c.close().catch(() => undefined)));
  }

  #createTask(request: Record<string, unknown>): unknown {
    this.requests.push(request);
    const parent = String(request.parent ?? "");
    const match = /^projects\/[^/]+\/locations\/[^/]+\/queues\/([^/]+)$/.exec(parent);
    if (!match) throw grpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource field value in the request: parent ${parent}`);
    if (this.#options.queues && !this.#options.queues.includes(match[1]!)) throw grpcError(grpc.status.NOT_FOUND, `Queue does not exist: ${parent}`);
    const task = (request.task ?? {}) as Record<string, any>;
    const http = task.httpRequest as Record<string, any> | undefined;
    if (!http || !/^https?:\/\//.test(String(http.url ?? ""))) throw grpcError(grpc.status.INVALID_ARGUMENT, "HttpRequest.url must start with http:// or https://");
    const oidc = http.oidcToken as { serviceAccountEmail?: string; audience?: string } | undefined;
    if (oidc && !this.#options.signer) throw grpcError(grpc.status.FAILED_PRECONDITION, "this local server has no OIDC signer");
    const scheduleTime = toDate(task.scheduleTime);
    const deadline = task.dispatchDeadline as Timestamp | undefined;
    const deadlineSeconds = deadline ? Number(deadline.seconds ?? 0) + (deadline.nanos ?? 0) / 1e9 : null;
    if (deadlineSeconds !== null && (deadlineSeconds < 15 || deadlineSeconds > 1800)) {
      throw grpcError(grpc.status.INVALID_ARGUMENT, `dispatch_deadline must be between 15s and 30m; got ${deadlineSeconds}s`);
    }
    const local: LocalTask = {
      name: `${parent}/tasks/${randomBytes(10).toString("hex")}`,
      parent,
      url: String(http.url),
      httpMethod: String(http.httpMethod ?? "POST"),
      headers: { ...(http.headers as Record<string, string> | undefined) },
      body: Buffer.from((http.body as Buffer | undefined) ?? Buffer.alloc(0)),
      oidcToken: oidc ? { serviceAccountEmail: String(oidc.serviceAccountEmail ?? ""), audience: String(oidc.audience || http.url) } : null,
      scheduleTime,
      dispatchDeadlineSeconds: deadlineSeconds,
      createdAt: new Date(),
      attempts: [],
      state: "scheduled",
    };
    this.tasks.push(local);
    if (this.#options.dispatch) this.#schedule(local, Math.max(0, (scheduleTime?.getTime() ?? 0) - Date.now()));
    return {
      name: local.name,
      httpRequest: http,
      scheduleTime: toTimestamp(scheduleTime ?? local.createdAt),
      createTime: toTimestamp(local.createdAt),
      dispatchDeadline: deadline ?? { seconds: 600 },
      view: "BASIC",
    };
  }

  #schedule(task: LocalTask, delayMs: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      // Timers run on a monotonic clock and may fire a millisecond before the wall-clock
      // scheduleTime; Cloud Tasks never dispatches early, so wait out the remainder.
      const early = (task.scheduleTime?.getTime() ?? 0) - Date.now();
      if (early > 0 && task.attempts.length === 0) this.#schedule(task, early);
      else void this.#dispatch(task);
    }, delayMs);
    this.#timers.add(timer);
  }

  async #dispatch(task: LocalTask): Promise<void> {
    if (this.#stopped) return;
    task.state = "dispatching";
    const headers: Record<string, string> = {
      ...task.headers,
      "User-Agent": "Google-Cloud-Tasks",
      "X-CloudTasks-QueueName": task.parent.split("/").pop()!,
      "X-CloudTasks-TaskName": task.name.split("/").pop()!,
      "X-CloudTasks-TaskRetryCount": String(task.attempts.length),
      "X-CloudTasks-TaskExecutionCount": String(task.attempts.filter((a) => a.status !== null).length),
      "X-CloudTasks-TaskETA": String((task.scheduleTime ?? task.createdAt).getTime() / 1000),
    };
    if (task.oidcToken) headers.Authorization = `Bearer ${await this.#options.signer!(task.oidcToken)}`;
    const attempt: DispatchAttempt = { at: new Date(), status: null, authorization: headers.Authorization ?? null };
    try {
      const response = await fetch(task.url, {
        method: task.httpMethod,
        headers,
        body: task.body,
        signal: AbortSignal.timeout((task.dispatchDeadlineSeconds ?? 600) * 1000),
      });
      await response.arrayBuffer();
      attempt.status = response.status;
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    task.attempts.push(attempt);
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
      task.state = "succeeded";
    } else if (task.attempts.length >= this.#options.maxAttempts) {
      task.state = "gave-up";
    } else {
      task.state = "scheduled";
      const backoff = Math.min(this.#options.maxBackoffMs, this.#options.minBackoffMs * 2 ** (task.attempts.length - 1));
      this.#schedule(task, backoff);
    }
  }
}
