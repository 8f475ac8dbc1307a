/**
 * Watches a project's source files for `errand worker --reload`: one non-recursive `fs.watch` per
 * directory under the root, skipping `node_modules`, `dist`, `build`, `coverage` and hidden
 * directories (a recursive watch would also descend into `node_modules`, thousands of directories).
 * New directories are picked up as they appear.
 */
import { readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { extname, join, relative } from "node:path";

/** Directory names never watched. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", "build", "coverage", "test-artifacts"]);
/** The file types whose change restarts the worker: code and JSON, never data (a SQLite file, logs). */
const WATCHED_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".json"]);

/** Whether a change of `file` (relative to the root) matters. */
export function isWatchedFile(file: string): boolean {
  const parts = file.split(/[\\/]/);
  if (parts.some((p, i) => i < parts.length - 1 && (SKIPPED_DIRS.has(p) || p.startsWith(".")))) return false;
  return WATCHED_EXTENSIONS.has(extname(file));
}

/** Stops watching. */
export type StopWatching = () => void;

/**
 * Calls `onChange(relativePath)` when a watched file under `root` is created, changed, renamed or
 * deleted. Errors of single watchers (a directory removed meanwhile) are ignored.
 */
export function watchFiles(root: string, onChange: (file: string) => void): StopWatching {
  const watchers = new Map<string, FSWatcher>();
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: true }, (_event, name) => {
        if (!name) return;
        const path = join(dir, name.toString());
        const rel = relative(root, path);
        try {
          if (statSync(path).isDirectory()) {
            if (isWatchedDir(name.toString())) walk(path);
            return;
          }
        } catch {
          // Deleted: still a change when it was a watched file.
        }
        if (isWatchedFile(rel)) onChange(rel);
      });
    } catch {
      return;
    }
    watcher.on("error", () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
  };
  const walk = (dir: string) => {
    add(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && isWatchedDir(e.name)) walk(join(dir, e.name));
  };
  walk(root);
  return () => {
    for (const w of watchers.values()) w.close();
    watchers.clear();
  };
}

function isWatchedDir(name: string): boolean {
  return !SKIPPED_DIRS.has(name) && !name.startsWith(".");
}
