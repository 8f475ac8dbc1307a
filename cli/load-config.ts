/**
 * Finds, loads and checks `errand.config.ts` (or `.mts`/`.js`/`.mjs`), then applies its `TASKS`.
 *
 * TypeScript is loaded through tsx's loader hooks, registered for the whole process with
 * `register()` from `tsx/esm/api`. Deliberately not `tsImport()`: that one loads the file (and
 * everything it imports) under a private `?tsx-namespace=` URL, so the config's
 * `import { task } from "errand"` would create a second copy of errand (a second task registry and
 * a second configuration), and the worker would see no tasks. With the global hooks, `errand` in the
 * config resolves to the very files this CLI runs from, which {@link checkSameErrand} verifies.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
import { BaseTaskBackend } from "../src/backends/base.js";
import { checkConfigKeys, configureTasks, type ErrandConfig } from "../src/config.js";
import { Task } from "../src/task.js";
import { CliError } from "./errors.js";

/** The file names looked for in the working directory, in order. */
export const CONFIG_FILE_NAMES = ["errand.config.ts", "errand.config.mts", "errand.config.js", "errand.config.mjs"] as const;

const EXPECTED_SHAPE = `export default defineConfig({
  TASKS: { default: { BACKEND: DatabaseBackend, OPTIONS: { url: "sqlite:./errand.sqlite3" } } },
  tasks: [sendWelcomeEmail],
});
(with: import { defineConfig } from "errand"; import { DatabaseBackend } from "errand/backends/database";)`;

/** A loaded configuration file. */
export interface LoadedConfig {
  /** Absolute path of the file. */
  path: string;
  /** Its default export, checked. */
  config: ErrandConfig;
}

/**
 * Which file to load: `explicit` (from `--config` or `ERRAND_CONFIG`, relative to `cwd`), else the
 * first of {@link CONFIG_FILE_NAMES} in `cwd`.
 * @throws CliError naming what was looked for.
 */
export function findConfigFile(explicit: string | undefined, cwd: string = process.cwd()): string {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path) || !statSync(path).isFile()) throw new CliError(`Config file not found: ${path} (from --config or ERRAND_CONFIG).`);
    return path;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  throw new CliError(
    `No errand config file in ${cwd}: looked for ${CONFIG_FILE_NAMES.join(", ")}. ` +
      `Create one, or pass --config PATH (or set ERRAND_CONFIG).`,
  );
}

let hooksRegistered = false;

/** Imports the file through tsx's process-wide hooks. @throws CliError with the file name and the cause. */
async function importConfig(path: string): Promise<unknown> {
  if (!hooksRegistered) {
    register();
    hooksRegistered = true;
  }
  try {
    return (await import(pathToFileURL(path).href)) as unknown;
  } catch (error) {
    throw new CliError(`Could not load the config file ${path}: ${describeImportError(error)}`, { cause: error });
  }
}

/** The error's message and the first stack frame outside Node and node_modules (where it was thrown). */
function describeImportError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frame = (error.stack ?? "")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.startsWith("at ") && !l.includes("node:") && !l.includes("/node_modules/"));
  return `${error.name}: ${error.message}${frame ? ` (${frame})` : ""}`;
}

/**
 * Makes sure the config's tasks and backend classes come from the same errand modules as this CLI.
 * Two copies of errand (e.g. a global `errand` binary with a project-local package, or a config that
 * imports errand's sources while the CLI runs the build) would each have their own task registry and
 * configuration: the worker would find no tasks. Better to stop with an explanation.
 */
function checkSameErrand(path: string, config: ErrandConfig): void {
  const here = fileURLToPath(new URL("../../../", import.meta.url));
  const explain = (what: string) =>
    new CliError(
      `${path}: ${what} comes from a different copy of errand than this CLI (${here}). ` +
        `The config and the CLI must load the same "errand" package, or the worker would see no tasks and no configuration. ` +
        `Import from "errand" and "errand/backends/database" (not from errand's sources or another installation), ` +
        `and run the errand binary of the project that the config belongs to (npx errand ...).`,
    );
  config.tasks.forEach((t: unknown, i) => {
    if (t instanceof Task) return;
    const looksLikeTask = typeof t === "object" && t !== null && typeof (t as { enqueue?: unknown }).enqueue === "function";
    if (looksLikeTask) throw explain(`tasks[${i}] (${String((t as { name?: unknown }).name)})`);
    throw new CliError(`${path}: tasks[${i}] is not a task (${describeValue(t)}); list tasks defined with task() from "errand".`);
  });
  for (const [alias, entry] of Object.entries(config.TASKS ?? {})) {
    const cls = (entry as { BACKEND?: unknown } | null)?.BACKEND;
    if (typeof cls === "function" && !(cls.prototype instanceof BaseTaskBackend)) {
      throw explain(`TASKS.${alias}.BACKEND (${cls.name || "anonymous class"})`);
    }
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return `an object with keys ${Object.keys(v).join(", ") || "(none)"}`;
  if (typeof v === "function") return `a function named ${JSON.stringify(v.name)}`;
  return `${typeof v} ${JSON.stringify(v) ?? String(v)}`;
}

/** Checks the default export's shape. @throws CliError showing the expected shape. */
function checkShape(path: string, module: unknown): ErrandConfig {
  const exported = (module as { default?: unknown } | null)?.default;
  let problem: string | undefined;
  if (exported === undefined) problem = "it has no default export";
  else if (exported === null || typeof exported !== "object" || Array.isArray(exported)) problem = `its default export is ${describeValue(exported)}`;
  else if (!Array.isArray((exported as { tasks?: unknown }).tasks)) problem = `its default export has no "tasks" array (${describeValue(exported)})`;
  else {
    const tasksConfig = (exported as { TASKS?: unknown }).TASKS;
    if (tasksConfig !== undefined && (tasksConfig === null || typeof tasksConfig !== "object" || Array.isArray(tasksConfig))) {
      problem = `its "TASKS" is ${describeValue(tasksConfig)}, not an object of backend aliases`;
    }
  }
  if (problem) throw new CliError(`${path}: ${problem}. Expected:\n${EXPECTED_SHAPE}`);
  try {
    checkConfigKeys(exported as object);
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message}`, { cause: error });
  }
  return exported as ErrandConfig;
}

/**
 * Loads the configuration: finds the file, imports it (TypeScript without a build step), checks its
 * default export and that it uses this CLI's errand, then calls `configureTasks(config.TASKS)` when
 * `TASKS` is given (otherwise errand's default configuration stays in force).
 * @param explicit - `--config` (commander also fills it from `ERRAND_CONFIG`).
 * @throws CliError for a missing file, a file that throws, a wrong default export, or a second copy of errand.
 */
export async function loadConfig(explicit: string | undefined, cwd: string = process.cwd()): Promise<LoadedConfig> {
  const path = findConfigFile(explicit, cwd);
  const config = checkShape(path, await importConfig(path));
  checkSameErrand(path, config);
  if (config.TASKS !== undefined) {
    try {
      configureTasks(config.TASKS);
    } catch (error) {
      throw new CliError(`${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  return { path, config };
}
