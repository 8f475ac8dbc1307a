#!/usr/bin/env node
// The `errand` command. It runs the compiled CLI from dist/ (build it with `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/backends/database/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`errand: ${fileURLToPath(entry)} is missing: run "npm run build" first.\n`);
  process.exit(1);
}
const { runAsEntry } = await import(entry.href);
await runAsEntry(process.argv.slice(2));
