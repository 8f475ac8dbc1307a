/**
 * The one supported Node.js range, checked when errand loads. errand needs what MikroORM 7 needs
 * (`>= 22.17`, package.json `engines`); older versions fail later with errors that name neither errand
 * nor the fix (a missing `node:` API deep in a driver), so the check runs first and names both.
 */
import { ErrandError } from "./errors.js";

/** The oldest Node.js errand runs on: `[major, minor]`. Keep in step with package.json `engines` and bin/errand.js. */
export const MIN_NODE_VERSION = [22, 17] as const;

/** errand was loaded by a Node.js older than {@link MIN_NODE_VERSION}. */
export class UnsupportedNodeError extends ErrandError {}

/** Whether `version` (`process.versions.node`, e.g. `"24.21.0"`) is supported. */
export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const [minMajor, minMinor] = MIN_NODE_VERSION;
  return major > minMajor || (major === minMajor && minor >= minMinor);
}

/**
 * Throws when the running Node.js is too old.
 * @throws UnsupportedNodeError naming the running version, the supported range and the fix.
 */
export function assertSupportedNode(version: string = process.versions.node): void {
  if (isSupportedNode(version)) return;
  const [major, minor] = MIN_NODE_VERSION;
  throw new UnsupportedNodeError(
    `errand needs Node.js ${major}.${minor} or newer (>=${major}.${minor}); this is Node.js ${version} (${process.execPath}). ` +
      `Install a current Node.js LTS (24) and run again.`,
  );
}

assertSupportedNode();
