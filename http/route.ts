import type { Context } from "hono";
import type { TasksAppEnv } from "./guard.js";

/** One route of the tasks app: its name in logs, its paths (with and without the trailing slash), methods and handler. */
export interface TasksRoute {
  endpoint: string;
  paths: readonly string[];
  methods: readonly string[];
  handler: (c: Context<TasksAppEnv>) => Response | Promise<Response>;
  /** Runs or deletes tasks whatever the method (run/, run-one/, execute/, purge/): never on HEAD, never cross-site. */
  mutating?: boolean;
  /** Served without authentication (the admin login form and logout only). */
  public?: boolean;
}

/** `"/run/"` and `"/run"`: Django's URLs end with a slash; callers that drop it are served too. */
export function bothSlashes(path: string): string[] {
  return [path, path.replace(/\/$/, "")];
}
