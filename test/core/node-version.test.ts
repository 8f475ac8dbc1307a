import test from "ava";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { isSupportedNode, MIN_NODE_VERSION, assertSupportedNode, UnsupportedNodeError } from "../../src/node-version.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
/** The machine's system Node.js (20 here): older than errand supports. */
const OLD_NODE = "/usr/bin/node";
const oldNodeVersion = existsSync(OLD_NODE) ? (await run(OLD_NODE, ["--version"])).stdout.trim().slice(1) : null;
const haveOldNode = oldNodeVersion !== null && !isSupportedNode(oldNodeVersion);

test("one supported range: package.json engines, the start-up check and bin/errand.js agree", (t) => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { engines: { node: string } };
  t.is(pkg.engines.node, `>=${MIN_NODE_VERSION.join(".")}`);
  const bin = readFileSync(`${root}bin/errand.js`, "utf8");
  t.true(bin.includes(`major < ${MIN_NODE_VERSION[0]} || (major === ${MIN_NODE_VERSION[0]} && minor < ${MIN_NODE_VERSION[1]})`));
});

test("isSupportedNode", (t) => {
  for (const v of ["22.17.0", "22.20.1", "23.0.0", "24.12.0", "26.1.0"]) t.true(isSupportedNode(v), v);
  for (const v of ["20.20.2", "22.16.9", "18.0.0"]) t.false(isSupportedNode(v), v);
  const err = t.throws(() => assertSupportedNode("20.20.2"), { instanceOf: UnsupportedNodeError });
  t.regex(err!.message, /errand needs Node\.js 22\.17 or newer .*this is Node\.js 20\.20\.2/);
});

(haveOldNode ? test : test.skip)(`the errand CLI under Node ${oldNodeVersion} prints the supported range and exits 1`, async (t) => {
  const err = await t.throwsAsync(run(OLD_NODE, [`${root}bin/errand.js`, "worker", "--help"]));
  const e = err as Error & { code: number; stderr: string; stdout: string };
  t.is(e.code, 1);
  t.is(e.stdout, "");
  t.regex(e.stderr, new RegExp(`^errand: errand needs Node\\.js 22\\.17 or newer \\(>=22\\.17\\); this is Node\\.js ${oldNodeVersion!.replaceAll(".", "\\.")}`));
});

(haveOldNode ? test : test.skip)(`importing errand under Node ${oldNodeVersion} throws UnsupportedNodeError first`, async (t) => {
  const entry = `${root}dist/src/index.js`;
  t.true(existsSync(entry), "dist/ is built (scripts/test.sh builds before ava)");
  const script = `import(${JSON.stringify(entry)}).then(() => process.exit(0), (e) => { console.error(e.name + ": " + e.message); process.exit(3); })`;
  const err = await t.throwsAsync(run(OLD_NODE, ["--input-type=module", "-e", script]));
  const e = err as Error & { code: number; stderr: string };
  t.is(e.code, 3);
  t.regex(e.stderr, /^UnsupportedNodeError: errand needs Node\.js 22\.17 or newer/);
});
