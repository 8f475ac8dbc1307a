/**
 * Optional packages (peers such as hono, jose, MikroORM, @google-cloud/tasks): telling "not installed"
 * apart from a failure inside an installed package, so the caller can say which package to install.
 */

/**
 * Whether `error` is Node failing to find a module: `ERR_MODULE_NOT_FOUND` from `import()`,
 * `MODULE_NOT_FOUND` from `require`.
 */
export function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/**
 * Runs `load` (an `import()` of an optional package).
 * @returns the module, or the error when the package is not installed.
 * @throws whatever else `load` throws (a broken installed package is not hidden).
 */
export async function importOptional<T>(load: () => Promise<T>): Promise<T | Error> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error)) return error as Error;
    throw error;
  }
}
