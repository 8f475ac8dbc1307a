/** Options every command shares: where the config is and which backend to use. */
import { Option } from "commander";
import { DEFAULT_TASK_BACKEND_ALIAS } from "../src/constants.js";
import { nonEmptyString } from "./parse-options.js";

/** The options shared by every command, as commander hands them to the action. */
export interface CommonOptions {
  config?: string;
  backend: string;
}

/** `--config <path>` (also from `ERRAND_CONFIG`). */
export function configOption(): Option {
  return new Option(
    "--config <path>",
    "the config file (default: errand.config.ts, .mts, .js or .mjs in the current directory)",
  ).env("ERRAND_CONFIG");
}

/** `--backend <alias>` (default `default`). */
export function backendOption(): Option {
  return new Option("--backend <alias>", "the TASKS alias of the DatabaseBackend to use")
    .default(DEFAULT_TASK_BACKEND_ALIAS)
    .argParser(nonEmptyString("--backend", 200));
}
