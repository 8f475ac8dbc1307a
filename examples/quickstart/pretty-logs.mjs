// Turns errand's JSON log lines (pino, on stderr) into one readable line each, for the quick start:
//   node bin/errand.js worker ... 2>&1 | node examples/quickstart/pretty-logs.mjs
// Lines that are not JSON logs (a task's own console.log, say) pass through unchanged.
// In production keep the JSON: it is what log collectors want. pino-pretty does this job in general.
import { createInterface } from "node:readline";

const LEVELS = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const HIDDEN = new Set(["level", "time", "pid", "hostname", "name", "msg", "v"]);

function format(entry) {
  const time = new Date(entry.time).toISOString().slice(11, 23);
  const level = (LEVELS[entry.level] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return `${time} ${level} ${entry.msg}${fields.length ? `  ${fields.join(" ")}` : ""}`;
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    entry = undefined;
  }
  console.log(entry && typeof entry === "object" && "msg" in entry && "level" in entry ? format(entry) : line);
}
