/**
 * Loads `prom-client`, an optional peer, with top-level await: the `metrics/` route needs it, the rest
 * of `createTasksApp` does not.
 */
import { MissingPeerError } from "../src/errors.js";
import { importOptional } from "../src/optional-import.js";

const loaded = await importOptional(() => import("prom-client"));

/** The `prom-client` module. */
export type PromClient = typeof import("prom-client");

/**
 * The `prom-client` module.
 * @throws MissingPeerError naming the package to install when `prom-client` is missing.
 */
export function loadPromClient(): PromClient {
  if (loaded instanceof Error) {
    throw new MissingPeerError(
      { packageName: "prom-client", feature: "the metrics/ route", message: "The metrics/ route needs prom-client: npm install prom-client" },
      { cause: loaded },
    );
  }
  return loaded;
}
