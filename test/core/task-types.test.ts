/**
 * Type-level checks: the assertion is `tsc -p tsconfig.json --noEmit` (every `@ts-expect-error`
 * must be needed, every `Equals` must be `true`). The runtime tests run the well-typed half on a
 * DummyBackend, and run tsc on the example to check the message a user reads.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DummyBackend } from "../../backends/dummy/index.js";
import { configureTasks, task, type Task, type TaskContext, type TaskResult } from "../../src/index.js";
import type { JsonTaskCheck } from "../../src/json-types.js";
import { add, noop, withContext, writesFile } from "../fixtures/tasks.js";

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_proof?: T): void => {};

const typesAsync = task(async function typesAsync(id: number, opts: { dryRun?: boolean }): Promise<{ sent: number }> {
  return { sent: opts.dryRun ? 0 : id };
});
const typesCtx = task({ takesContext: true }, async function typesCtx(context: TaskContext, msg: string, times: number) {
  return `${context.attempt}:${msg.repeat(times)}`;
});
const typesOptional = task(function typesOptional(a: string, b?: number) {
  return b ?? a.length;
});

/** Never called: its body is what tsc checks. */
async function typeChecks(): Promise<void> {
  // enqueue accepts exactly the function's arguments.
  await add.enqueue(1, 2);
  // @ts-expect-error a string where a number is expected
  await add.enqueue("1", 2);
  // @ts-expect-error too few arguments
  await add.enqueue(1);
  // @ts-expect-error too many arguments
  await add.enqueue(1, 2, 3);
  await noop.enqueue();
  // @ts-expect-error noop takes no argument
  await noop.enqueue(1);
  await typesAsync.enqueue(1, { dryRun: true });
  // @ts-expect-error wrong property type
  await typesAsync.enqueue(1, { dryRun: "yes" });
  await typesOptional.enqueue("a");
  await typesOptional.enqueue("a", 2);
  // @ts-expect-error optional parameter still typed
  await typesOptional.enqueue("a", "2");

  // A context task's enqueue takes the arguments after the context.
  await typesCtx.enqueue("x", 3);
  // @ts-expect-error the context is not passed to enqueue
  await typesCtx.enqueue({} as TaskContext, "x", 3);
  // @ts-expect-error missing `times`
  await typesCtx.enqueue("x");
  await withContext.enqueue();
  // ...but call() runs the raw function, context included.
  await typesCtx.call({} as TaskContext, "x", 3);
  // @ts-expect-error call() needs the context first
  await typesCtx.call("x", 3);

  // The result carries the awaited return type.
  const r1 = await add.enqueue(1, 2);
  assertType<Equals<typeof r1, TaskResult<number>>>();
  assertType<Equals<typeof r1.returnValue, number>>();
  const r2 = await typesAsync.enqueue(1, {});
  assertType<Equals<typeof r2.returnValue, { sent: number }>>();
  // @ts-expect-error not a Promise: the awaited type
  const _p: Promise<{ sent: number }> = r2.returnValue;
  const r3 = await typesCtx.enqueue("x", 1);
  assertType<Equals<typeof r3.returnValue, string>>();
  const r4 = await writesFile.enqueue("content");
  assertType<Equals<typeof r4.returnValue, string>>();
  const r5 = await noop.enqueue();
  assertType<Equals<typeof r5.returnValue, void>>();
  // @ts-expect-error a number result is not a string
  const _s: string = r1.returnValue;

  // getResult, call, using and enqueueMany keep the types.
  assertType<Equals<Awaited<ReturnType<typeof add.getResult>>, TaskResult<number>>>();
  assertType<Equals<Awaited<ReturnType<typeof typesAsync.call>>, { sent: number }>>();
  assertType<Equals<ReturnType<typeof add.using>, typeof add>>();
  assertType<Equals<typeof add, Task<[a: number, b: number], number, [a: number, b: number]>>>();
  const many = await add.enqueueMany([
    [1, 2],
    [3, 4],
  ]);
  assertType<Equals<typeof many, TaskResult<number>[]>>();
  // @ts-expect-error an entry with the wrong arity
  await add.enqueueMany([[1]]);
  // @ts-expect-error an entry with the wrong type
  await add.enqueueMany([["1", 2]]);

  // Definition: takesContext needs a context-shaped first parameter in the typed overload.
  // @ts-expect-error takesContext: true with a function whose first parameter is not a TaskContext
  task({ name: "types.badCtx", takesContext: true }, function badCtx(n: number) {
    return n;
  });
  // @ts-expect-error unknown option
  task({ name: "types.typo", prority: 1 }, function typo() {});
}
void typeChecks;

/**
 * Arguments and return values must be JSON values at compile time too. Never called: each
 * `@ts-expect-error` must stay an error, each plain definition must stay accepted.
 */
function jsonChecks(): void {
  // The example: both parameters are refused where the task is defined.
  // @ts-expect-error errand: task arguments must be JSON values (Date is not; pass date.toISOString())
  task(async function remind(_when: Date, _tags: Set<string>) {});
  // @ts-expect-error a Set argument
  task(function jsonSet(_tags: Set<string>) {});
  // @ts-expect-error a Map argument
  task(function jsonMap(_m: Map<string, number>) {});
  // @ts-expect-error a bigint argument
  task(function jsonBigint(_n: bigint) {});
  // @ts-expect-error a function argument
  task(function jsonFn(_cb: () => void) {});
  // @ts-expect-error a Date nested in an object in an array
  task(function jsonNested(_rows: { at: Date }[]) {});
  // @ts-expect-error a Buffer argument
  task(function jsonBuffer(_b: Buffer) {});
  // @ts-expect-error a class instance with methods
  task(function jsonClass(_u: URL) {});
  // @ts-expect-error return values too: a Date
  task(function jsonReturnsDate() {
    return new Date();
  });
  // @ts-expect-error ...also when awaited from a Promise
  task(async function jsonReturnsMap() {
    return new Map<string, number>();
  });
  // @ts-expect-error options form
  task({ name: "types.jsonOpts" }, function jsonOpts(_d: Date) {});
  // @ts-expect-error takesContext form: the context is exempt, the rest is checked
  task({ name: "types.jsonCtx", takesContext: true }, function jsonCtx(_c: TaskContext, _d: Date) {});

  // The readable message, checked literally.
  assertType<
    Equals<
      JsonTaskCheck<[when: Date], void>,
      "errand: task arguments must be JSON values (Date is not; pass date.toISOString())"
    >
  >();
  assertType<Equals<JsonTaskCheck<[], Promise<Set<number>>>, "errand: a task's return value must be a JSON value (Set is not; pass [...set])">>();

  // Accepted: interfaces with optional properties, readonly arrays, unions with null, nested plain
  // data, tuples, records, void/never returns, any and unknown (checked at runtime).
  interface Options {
    dryRun?: boolean;
    readonly tags?: readonly string[];
    limits: { max: number | null };
  }
  task(function jsonOk1(_o: Options, _ids: readonly number[], _pair: [string, number]): { sent: number } {
    return { sent: 1 };
  });
  task(async function jsonOk2(_r: Record<string, string[]>, _maybe?: string | null): Promise<readonly Options[]> {
    return [];
  });
  task(function jsonOk3(_a: any, _u: unknown): void {});
  task({ name: "types.jsonOkCtx", takesContext: true }, async function jsonOkCtx(c: TaskContext, n: number) {
    return { attempt: c.attempt, n };
  });
  task(function jsonOk4(): never {
    throw new Error("x");
  });
}
void jsonChecks;

test("the well-typed calls work at runtime", async (t) => {
  configureTasks({ default: { BACKEND: DummyBackend } });
  const r1 = await add.enqueue(1, 2);
  const r2 = await typesCtx.enqueue("x", 3);
  const r3 = await typesOptional.enqueue("abc");
  t.deepEqual(r1.args, [1, 2]);
  t.deepEqual(r2.args, ["x", 3]);
  t.deepEqual(r3.args, ["abc"]);
  t.is(await typesCtx.call({ attempt: 2 } as TaskContext, "ab", 2), "2:abab");
});

test("tsc explains a non-JSON task argument in errand's words (the issue's remind example)", async (t) => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), "errand-types-"));
  try {
    const file = join(dir, "remind.ts");
    await writeFile(
      file,
      `import { task } from ${JSON.stringify(join(root, "src/index.js"))};\n` +
        "export const remind = task(async function remind(when: Date, tags: Set<string>) {\n" +
        "  return `${when.toISOString()} ${[...tags].join()}`;\n" +
        "});\n" +
        "await remind.enqueue(new Date(), new Set());\n",
    );
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const flags = ["--ignoreConfig", "--noEmit", "--strict", "--target", "es2023", "--module", "nodenext", "--moduleResolution", "nodenext"];
    const args = [...flags, "--skipLibCheck", "--experimentalDecorators", "--typeRoots", join(root, "node_modules/@types"), "--types", "node", file];
    const failed = await t.throwsAsync(promisify(execFile)(process.execPath, [tsc, ...args]));
    const stdout = (failed as Error & { stdout: string }).stdout;
    t.regex(stdout, /remind\.ts\(2,\d+\): error TS2345/);
    t.true(stdout.includes('"errand: task arguments must be JSON values (Date is not; pass date.toISOString())"'), stdout);
    t.true(stdout.includes('"errand: task arguments must be JSON values (Set is not; pass [...set])"'), stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
