/** The alias of the backend used when a task names none (Django: `DEFAULT_TASK_BACKEND_ALIAS`). */
export const DEFAULT_TASK_BACKEND_ALIAS = "default";
/** The queue a task goes to when it names none (Django: `DEFAULT_TASK_QUEUE_NAME`). */
export const DEFAULT_TASK_QUEUE_NAME = "default";
/** The priority of a task that sets none (Django: `DEFAULT_TASK_PRIORITY`). */
export const DEFAULT_TASK_PRIORITY = 0;
/** The lowest allowed priority, inclusive (Django: `TASK_MIN_PRIORITY`). */
export const TASK_MIN_PRIORITY = -100;
/** The highest allowed priority, inclusive (Django: `TASK_MAX_PRIORITY`). */
export const TASK_MAX_PRIORITY = 100;
/** The longest task name or queue name errand stores (the `task_path` / `queue_name` column width). */
export const MAX_NAME_LENGTH = 255;
