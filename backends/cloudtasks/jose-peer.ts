/**
 * Loads `jose` (an optional peer, used to verify Cloud Tasks' OIDC tokens) with top-level await, so
 * `errand/backends/cloudtasks` loads without it and `verifyCloudTasksOidc` fails at creation with one
 * clear "install jose" message.
 */
type JoseModule = typeof import("jose");

async function load(): Promise<JoseModule | Error> {
  try {
    return await import("jose");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return error as Error;
    throw error;
  }
}

const loaded = await load();

/**
 * The `jose` module.
 * @throws Error naming the package to install when it is missing.
 */
export function loadJose(): JoseModule {
  if (loaded instanceof Error) throw new Error("verifyCloudTasksOidc needs jose to verify tokens: npm install jose", { cause: loaded });
  return loaded;
}
