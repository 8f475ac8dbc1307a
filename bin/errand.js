#!/usr/bin/env node
// The `errand` command. It runs the compiled CLI from dist/ (build it with `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The supported range, checked before anything else loads: an older Node.js would otherwise fail
// deep inside a driver with an error that names neither errand nor the fix. Same numbers as
// src/node-version.ts and package.json "engines" (test/core/node-version.test.ts checks all three).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  process.stderr.write(
    `errand: errand needs Node.js 22.17 or newer (>=22.17); this is Node.js ${process.versions.node} (${process.execPath}). ` +
      "Install a current Node.js LTS (24) and run again.\n",
  );
  process.exit(1);
}

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`errand: ${fileURLToPath(entry)} is missing: run "npm run build" first.\n`);
  process.exit(1);
}
const { runAsEntry } = await import(entry.href);
await runAsEntry(process.argv.slice(2));
