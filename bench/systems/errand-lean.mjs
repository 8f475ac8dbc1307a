// errand with `keepSuccessfulResults: false`: a task that ends SUCCESSFUL has its row deleted, as
// graphile-worker does with every finished job. Only the drain differs from errand's defaults, so only
// the drain is run (bench.mjs: `drainOnly`).
export * from "./errand.mjs";
import { env as defaults } from "./errand.mjs";

export const env = { ...defaults, BENCH_ERRAND_KEEP_SUCCESSFUL: "false" };
