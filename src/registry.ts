import type { Task } from "./task.js";

/**
 * Every task defined in this process, by name. A task's name is its identity in storage, so a
 * worker can only run a stored task whose name is registered here (or in its config's `tasks`).
 */
const tasks = new Map<string, Task<any, any>>();

/** Records a newly defined task. Used by `task()`; the caller checked for duplicates. */
export function registerTask(task: Task<any, any>): void {
  tasks.set(task.name, task);
}

/** The task defined under `name` in this process, or `undefined`. */
export function getRegisteredTask(name: string): Task<any, any> | undefined {
  return tasks.get(name);
}

/** All tasks defined in this process, in definition order. */
export function registeredTasks(): Task<any, any>[] {
  return [...tasks.values()];
}
