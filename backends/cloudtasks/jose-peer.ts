/**
 * Loads `jose` (an optional peer, used to verify Cloud Tasks' OIDC tokens) with top-level await, so
 * `errand/backends/cloudtasks` loads without it and `verifyCloudTasksOidc` fails at creation with one
 * clear "install jose" message.
 */
import { MissingPeerError } from "../../src/errors.js";
import { importOptional } from "../../src/optional-import.js";

type JoseModule = typeof import("jose");

const loaded = await importOptional(() => import("jose"));

/**
 * The `jose` module.
 * @throws MissingPeerError naming the package to install when it is missing.
 */
export function loadJose(): JoseModule {
  if (loaded instanceof Error) {
    throw new MissingPeerError(
      { packageName: "jose", feature: "verifyCloudTasksOidc", message: "verifyCloudTasksOidc needs jose to verify tokens: npm install jose" },
      { cause: loaded },
    );
  }
  return loaded;
}
