#!/usr/bin/env node
// scripts/check-exports.mjs: verify the package's public entry points after `npm run build`.
//
//   npm run check:exports        (= node scripts/check-exports.mjs)
//
// For every subpath in package.json "exports":
//   1. every target file (the `types`, `default`, and any other condition) exists;
//      a `types` condition must come first in its object (TypeScript stops at the
//      first matching condition) and point at a .d.ts file;
//   2. the subpath imports by its public name through a self-reference, e.g.
//      `import("errand/backends/dummy")`. Node resolves a package's own name from
//      inside the package when package.json has "exports", so this exercises the
//      same resolution a consumer gets, against the built dist/ files, and exports at
//      least the names DESIGN §1 promises for it (REQUIRED below; a missing subpath fails too).
// The top-level "main" and "types" fields are checked for existence as well.
// Prints one line per check; exits 1 if anything failed.

import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8"));

let failures = 0;
const ok = (msg) => console.log(`OK    ${msg}`);
const fail = (msg) => {
  failures++;
  console.log(`FAIL  ${msg}`);
};

if (!pkg.name) {
  fail('package.json has no "name"');
}
if (pkg.exports === undefined) {
  fail('package.json has no "exports"');
}

// Normalize "exports" to { subpath: target }. A string or a conditions object
// at the top level means the "." subpath only.
function subpaths(exportsField) {
  if (typeof exportsField === "string" || Array.isArray(exportsField)) return { ".": exportsField };
  if (exportsField && typeof exportsField === "object") {
    const keys = Object.keys(exportsField);
    if (keys.length > 0 && keys.every((k) => !k.startsWith("."))) return { ".": exportsField };
    return exportsField;
  }
  return {};
}

// Every file target of an export entry, as [conditionPath, relativeFile].
function targets(entry, where = []) {
  if (entry === null) return []; // explicitly blocked subpath
  if (typeof entry === "string") return [[where.join(".") || "(string)", entry]];
  if (Array.isArray(entry)) return entry.flatMap((e, i) => targets(e, [...where, `[${i}]`]));
  if (typeof entry === "object") {
    const keys = Object.keys(entry);
    if ("types" in entry && keys[0] !== "types") {
      fail(`exports condition "types" must be the first key (at ${where.join(".") || "top"}: ${keys.join(", ")})`);
    }
    return keys.flatMap((k) => targets(entry[k], [...where, k]));
  }
  return [];
}

const entries = Object.entries(subpaths(pkg.exports));
if (entries.length === 0) fail('"exports" lists no subpaths');

// 1. Target files exist.
for (const [subpath, entry] of entries) {
  if (subpath.includes("*")) {
    console.log(`SKIP  ${subpath}: pattern subpath, files not enumerated`);
    continue;
  }
  for (const [condition, target] of targets(entry)) {
    const file = resolve(root, target);
    const label = `${subpath} [${condition}] -> ${target}`;
    if (!target.startsWith("./")) {
      fail(`${label}: targets must start with "./"`);
    } else if (condition.split(".").at(-1) === "types" && !/\.d\.[cm]?ts$/.test(target)) {
      fail(`${label}: a types target must be a .d.ts file`);
    } else if (!existsSync(file)) {
      fail(`${label}: file missing (did you run "npm run build"?)`);
    } else {
      ok(`${label} exists`);
    }
  }
}

for (const field of ["main", "types"]) {
  if (pkg[field] === undefined) continue;
  if (existsSync(resolve(root, pkg[field]))) ok(`"${field}": ${pkg[field]} exists`);
  else fail(`"${field}": ${pkg[field]} missing`);
}

// The names DESIGN §1's exports map promises per subpath (at least these; import paths are part of
// the contract, so a move that drops one fails here rather than in a user's build).
const REQUIRED = {
  ".": ["task", "Task", "TaskResult", "TaskResultStatus", "BaseTaskBackend", "configureTasks", "taskBackends", "TASKS", "taskEnqueued", "taskStarted", "taskFinished", "defineConfig", "ErrandError"],
  "./worker": ["Worker", "processOneTask", "processTasks", "getPendingTaskCount", "runTaskById", "purgeCompletedTasks", "getStatusReport"],
  "./http": ["createTasksApp", "bearerToken"],
  "./backends/dummy": ["DummyBackend"],
  "./backends/immediate": ["ImmediateBackend"],
  "./backends/database": ["DatabaseBackend", "DBTaskResult", "Worker", "processOneTask", "processTasks", "getPendingTaskCount", "runTaskById", "purgeCompletedTasks", "getStatusReport", "createTasksApp"],
  "./backends/cloudtasks": ["CloudTasksBackend", "verifyCloudTasksOidc", "detectGcpProject", "detectGcpLocation", "detectTaskHandlerHost", "isCloudRun", "isAppEngine"],
};
for (const subpath of Object.keys(REQUIRED)) {
  if (!entries.some(([s]) => s === subpath)) fail(`"exports" has no ${subpath} (DESIGN §1's exports map)`);
}

// 2. Each subpath imports by its public name (self-reference) and has its required names.
for (const [subpath, entry] of entries) {
  if (subpath.includes("*") || entry === null) continue;
  const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
  const isJson = subpath.endsWith(".json");
  try {
    const mod = isJson ? await import(specifier, { with: { type: "json" } }) : await import(specifier);
    const names = Object.keys(mod).filter((k) => k !== "default" || isJson);
    const missing = (REQUIRED[subpath] ?? []).filter((name) => !(name in mod));
    if (!isJson && names.length === 0 && mod.default === undefined) {
      fail(`import("${specifier}"): module has no exports`);
    } else if (missing.length > 0) {
      fail(`import("${specifier}"): missing ${missing.join(", ")}`);
    } else {
      ok(`import("${specifier}")${isJson ? "" : `: ${names.length} export(s)`}`);
    }
  } catch (err) {
    fail(`import("${specifier}"): ${err && err.stack ? err.stack.split("\n").slice(0, 3).join(" | ") : err}`);
  }
}

if (failures > 0) {
  console.log(`check-exports: ${failures} failure(s)`);
  process.exit(1);
}
console.log(`check-exports: all ${entries.length} export subpath(s) OK`);
// Imported modules may have left handles open (timers, pools); do not wait for them.
process.exit(0);
