/**
 * `@opentelemetry/api`, an optional peer, loaded once on first use (an enqueue, a worker start).
 * errand never depends on an OpenTelemetry SDK: the application installs and registers one; without
 * the API package installed errand records nothing and its hooks cost one comparison.
 */
import type * as OtelApi from "@opentelemetry/api";
import { importOptional } from "../optional-import.js";

/** The `@opentelemetry/api` module. */
export type Otel = typeof OtelApi;

let loaded: Otel | null | undefined;
let loading: Promise<Otel | null> | undefined;

/** The API once {@link loadOtel} has settled: the module, `null` when it is not installed, `undefined` before. */
export function otelIfLoaded(): Otel | null | undefined {
  return loaded;
}

/**
 * Loads `@opentelemetry/api` (once per process).
 * @returns the module, or `null` when it is not installed (or `ERRAND_OTEL=off`).
 * @throws whatever an installed but broken package throws on import.
 */
export function loadOtel(): Promise<Otel | null> {
  if (loaded !== undefined) return Promise.resolve(loaded);
  loading ??= (async () => {
    if (process.env.ERRAND_OTEL === "off") return (loaded = null);
    const module = await importOptional(() => import("@opentelemetry/api"));
    return (loaded = module instanceof Error ? null : module);
  })();
  return loading;
}
