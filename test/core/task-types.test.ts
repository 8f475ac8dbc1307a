/**
 * Type-level checks: the assertion is `tsc -p tsconfig.json --noEmit` (every `@ts-expect-error`
 * must be needed, every `Equals` must be `true`). The runtime test only keeps ava happy and runs
 * the well-typed half on a DummyBackend.
 */
import test from "ava";
import { DummyBackend } from "../../backends/dummy/index.js";
import { configureTasks, task, type Task, type TaskContext, type TaskResult } from "../../src/index.js";
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
