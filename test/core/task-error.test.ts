import test from "ava";
import { MAX_TRACEBACK_LENGTH, storableText, toTaskError } from "../../src/task-error.js";

const throwingProxy = new Proxy(
  {},
  new Proxy({}, { get: () => () => { throw new Error("trap"); } }),
);
const cyclicNullProto = Object.create(null) as Record<string, unknown>;
cyclicNullProto.self = cyclicNullProto;
const badStack = new Error("bad stack");
Object.defineProperty(badStack, "stack", { get() { throw new Error("stack getter"); } });
const badGetters = { get constructor(): never { throw new Error("ctor"); }, toString(): never { throw new Error("toString"); }, toJSON(): never { throw new Error("toJSON"); } };
class HostileError extends Error {
  override get name(): string { throw new Error("name"); }
  override get message(): string { throw new Error("message"); }
}
const hostileCause = new Error("outer", { cause: throwingProxy });

const hostile: [string, unknown][] = [
  ["null", null],
  ["undefined", undefined],
  ["a symbol", Symbol("s")],
  ["a bigint", 10n],
  ["a Proxy that throws on every trap", throwingProxy],
  ["an object with throwing getters, toString and toJSON", badGetters],
  ["a cyclic null-prototype object", cyclicNullProto],
  ["an Error whose stack getter throws", badStack],
  ["an Error whose name and message getters throw", Object.defineProperty(new HostileError(), "stack", { value: undefined })],
  ["an Error whose cause is a throwing Proxy", hostileCause],
  ["a function", () => 1],
  ["a huge string", "x".repeat(5_000_000)],
  ["a string with NUL and a lone surrogate", "a\u0000b\uD800c"],
  ["an Error with NUL in its message", new Error("bad\u0000byte")],
];

for (const [what, value] of hostile) {
  test(`toTaskError is total: ${what} becomes a storable record`, (t) => {
    const record = toTaskError(value);
    t.is(typeof record.exceptionClassPath, "string");
    t.true(record.exceptionClassPath.length > 0);
    t.is(typeof record.traceback, "string");
    t.true(record.traceback.length <= MAX_TRACEBACK_LENGTH, "the traceback is capped");
    for (const s of [record.exceptionClassPath, record.traceback]) {
      t.false(s.includes("\u0000"), "no NUL");
      t.false(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s), "no lone surrogate");
    }
    t.notThrows(() => JSON.parse(JSON.stringify(record)));
  });
}

test("toTaskError keeps what it can read of a hostile Error", (t) => {
  t.regex(toTaskError(badStack).traceback, /Error: bad stack/);
  t.regex(toTaskError(new Error("bad\u0000byte")).traceback, /bad\uFFFDbyte/);
  t.is(toTaskError(Symbol("s")).traceback, "A non-Error value was thrown: Symbol(s)");
  t.regex(toTaskError("x".repeat(5_000_000)).traceback, /more characters cut\]$/);
});

test("storableText replaces NUL and lone surrogates, keeps pairs, and caps with a note", (t) => {
  t.is(storableText("a\u0000b"), "a\uFFFDb");
  t.is(storableText("\uD83D\uDE00"), "\uD83D\uDE00");
  t.is(storableText("\uDE00\uD83D"), "\uFFFD\uFFFD");
  const cut = storableText("y".repeat(100), 40);
  t.true(cut.length <= 40);
  t.regex(cut, /^y+… \[\d+ more characters cut\]$/);
});
