export { createTasksApp } from "./create-tasks-app.js";
export { bearerToken, type AuthHook, type TasksAppAuth } from "./auth.js";
export { type TasksAppOptions, TASKS_APP_DEFAULTS } from "./options.js";
export type { TasksAppEnv } from "./guard.js";
