/**
 * Compile-time twin of the JSON rules in json.ts: `task()` refuses, in `tsc`, a function whose
 * arguments or return value the runtime would refuse (a `Date`, `Map`, `Set`, `bigint`, a function,
 * a class instance with methods...). The error reads as a sentence, e.g.
 * `"errand: task arguments must be JSON values (Date is not; pass date.toISOString())"`.
 *
 * Deliberately lenient where types cannot tell: `any` and `unknown` pass (the runtime still checks),
 * `undefined` passes (optional parameters and properties; the runtime omits undefined properties),
 * and finite-ness of numbers or cycles are left to the runtime.
 */
import type { JsonValue } from "./json.js";

type Primitive = string | number | boolean | null | undefined | void;
type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/**
 * Why `T` is not a JSON value, as a short hint (`"Date is not; pass date.toISOString()"`), or `never`
 * when it is one. Distributes over unions; looks at most 10 levels deep.
 */
export type JsonProblem<T, D extends number = 10> = [D] extends [never]
  ? never
  : 0 extends 1 & T
    ? never // any
    : unknown extends T
      ? never // unknown: checked at runtime
      : T extends Primitive
        ? never
        : T extends JsonValue
          ? never
          : T extends bigint
            ? "bigint is not; pass String(value) or Number(value)"
            : T extends symbol
              ? "a symbol is not; pass a string"
              : T extends (...args: any[]) => unknown
                ? "a function is not; pass data and look the function up inside the task"
                : T extends Date
                  ? "Date is not; pass date.toISOString()"
                  : T extends ReadonlyMap<unknown, unknown>
                    ? "Map is not; pass Object.fromEntries(map)"
                    : T extends ReadonlySet<unknown>
                      ? "Set is not; pass [...set]"
                      : T extends ArrayBufferView | ArrayBufferLike
                        ? "a binary buffer is not; pass Buffer.from(value).toString('base64')"
                        : T extends Error
                          ? "Error is not; pass error.message"
                          : T extends PromiseLike<unknown>
                            ? "a Promise is not; await it first"
                            : T extends readonly unknown[]
                              ? JsonProblem<T[number], Depth[D]>
                              : { [K in keyof T]-?: K extends string ? JsonProblem<T[K], Depth[D]> : "a symbol key is not; use string keys" }[keyof T];

/** The compile error `task()` shows for a function whose arguments are not all JSON values. */
export type TaskArgumentsError<Hint> = `errand: task arguments must be JSON values (${Hint & string})`;
/** The compile error `task()` shows for a function whose (awaited) return value is not a JSON value. */
export type TaskReturnError<Hint> = `errand: a task's return value must be a JSON value (${Hint & string})`;

/**
 * `unknown` when a task function taking `Args` and returning (a promise of) `Return` passes errand's
 * JSON rules, else the readable error type; `task()` intersects its `fn` parameter with it, so a bad
 * function fails to type-check with that message.
 */
export type JsonTaskCheck<Args extends readonly unknown[], Return> = [JsonProblem<Args>] extends [never]
  ? [JsonProblem<Awaited<Return>>] extends [never]
    ? unknown
    : TaskReturnError<JsonProblem<Awaited<Return>>>
  : TaskArgumentsError<JsonProblem<Args>>;
