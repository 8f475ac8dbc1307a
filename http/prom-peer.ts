/**
 * Loads `prom-client`, an optional peer, on first use: only an app whose `metrics/` route exists asks
 * for it, so a process that imports errand (a worker, say) does not load it (about 14 MB of memory).
 */
import { MissingPeerError } from "../src/errors.js";
import { importOptional } from "../src/optional-import.js";

/** The `prom-client` module. */
export type PromClient = typeof import("prom-client");

let loading: Promise<PromClient> | undefined;

/**
 * The `prom-client` module, imported once per process.
 * @throws MissingPeerError (the promise rejects) naming the package to install when `prom-client` is missing.
 */
export function loadPromClient(): Promise<PromClient> {
  loading ??= importOptional(() => import("prom-client")).then((loaded) => {
    if (loaded instanceof Error) {
      throw new MissingPeerError(
        { packageName: "prom-client", feature: "the metrics/ route", message: "The metrics/ route needs prom-client: npm install prom-client" },
        { cause: loaded },
      );
    }
    return loaded;
  });
  return loading;
}
