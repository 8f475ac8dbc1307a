import test from "ava";
import { toJsonArgs, toJsonValue } from "../../src/index.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

test("every allowed type passes unchanged", (t) => {
  const value = {
    nothing: null,
    yes: true,
    no: false,
    text: "héllo ✓",
    empty: "",
    int: 42,
    negative: -7,
    zero: 0,
    float: 1.5,
    big: Number.MAX_SAFE_INTEGER,
    list: [1, "two", null, false, [3], { four: 4 }],
    emptyList: [],
    emptyObject: {},
    nested: { a: { b: { c: [{ d: "deep" }] } } },
  };
  t.deepEqual(toJsonValue(value, "x"), value);
  t.deepEqual(toJsonArgs([1, "a", null, true, [], {}]), [1, "a", null, true, [], {}]);
  t.deepEqual(toJsonArgs([]), []);
});

test("scalars pass as themselves", (t) => {
  for (const v of [null, true, false, 0, -1, 3.25, "", "s"]) t.is(toJsonValue(v, "v"), v);
});

test("a null-prototype object is a plain object", (t) => {
  const o = Object.create(null) as Record<string, unknown>;
  o.a = 1;
  t.deepEqual({ ...(toJsonValue(o, "x") as object) }, { a: 1 });
});

test("the result is a deep copy", (t) => {
  const inner = { tags: ["a", "b"] };
  const input = { user: inner, list: [inner.tags] };
  const out = toJsonValue(input, "x") as { user: { tags: string[] }; list: string[][] };
  t.deepEqual(out, input);
  t.not(out, input);
  t.not(out.user, inner);
  t.not(out.user.tags, inner.tags);
  t.not(out.list[0], inner.tags);
  inner.tags.push("c");
  t.deepEqual(out.user.tags, ["a", "b"]);

  const args = [{ a: [1] }];
  const copied = toJsonArgs(args);
  t.not(copied, args);
  t.not(copied[0], args[0]);
  args[0]!.a.push(2);
  t.deepEqual(copied, [{ a: [1] }]);
});

test("object properties whose value is undefined are omitted", (t) => {
  const out = toJsonValue({ a: 1, b: undefined, c: { d: undefined, e: 2 } }, "x") as Record<string, unknown>;
  t.deepEqual(out, { a: 1, c: { e: 2 } });
  t.false(Object.hasOwn(out, "b"));
  t.false(Object.hasOwn(out.c as object, "d"));
  t.deepEqual(toJsonArgs([{ only: undefined }]), [{}]);
});

test("a shared, non-cyclic reference appearing twice is fine", (t) => {
  const shared = { id: 1, tags: ["x"] };
  t.deepEqual(toJsonArgs([shared, shared]), [shared, shared]);
  t.deepEqual(toJsonValue({ a: shared, b: shared, c: [shared, shared] }, "v"), { a: shared, b: shared, c: [shared, shared] });
  const copied = toJsonArgs([shared, shared]);
  t.not(copied[0], copied[1], "each occurrence is copied");
});

/** Asserts that `fn` throws exactly a TypeError with `message`. */
function throwsTypeError(t: import("ava").ExecutionContext, fn: () => unknown, message: string): void {
  const error = t.throws(fn, { instanceOf: TypeError });
  t.is(error?.message, message);
  t.is(error?.constructor, TypeError);
}

test("Date: path and fix", (t) => {
  throwsTypeError(t, () => toJsonArgs([1, new Date()]), "args[1]: Date is not JSON-serializable; pass date.toISOString()");
});

test("nested paths name every step", (t) => {
  throwsTypeError(
    t,
    () => toJsonArgs([{ user: { tags: ["a", "b", new Date()] } }]),
    "args[0].user.tags[2]: Date is not JSON-serializable; pass date.toISOString()",
  );
  throwsTypeError(
    t,
    () => toJsonArgs(["ok", [[1, [2, new Map()]]]]),
    "args[1][0][1][1]: Map is not JSON-serializable; pass Object.fromEntries(map)",
  );
  throwsTypeError(t, () => toJsonValue({ a: [{ b: Symbol("s") }] }, "returnValue"), "returnValue.a[0].b: a Symbol is not JSON-serializable; pass a string");
});

test("keys that are not identifiers are quoted", (t) => {
  throwsTypeError(t, () => toJsonArgs([{ "first-name": new Set([1]) }]), 'args[0]["first-name"]: Set is not JSON-serializable; pass [...set]');
  throwsTypeError(t, () => toJsonArgs([{ "a b": { "0": 1n } }]), 'args[0]["a b"]["0"]: BigInt is not JSON-serializable; pass String(value) or Number(value)');
  throwsTypeError(t, () => toJsonArgs([{ 'say "hi"': NaN }]), 'args[0]["say \\"hi\\""]: NaN is not JSON-serializable; pass a finite number, or null');
  throwsTypeError(t, () => toJsonArgs([{ $ok_1: { _x: Infinity } }]), "args[0].$ok_1._x: Infinity is not JSON-serializable; pass a finite number, or null");
});

test("each forbidden value throws with its own description and fix", (t) => {
  const cases: [unknown, string][] = [
    [10n, "args[0]: BigInt is not JSON-serializable; pass String(value) or Number(value)"],
    [NaN, "args[0]: NaN is not JSON-serializable; pass a finite number, or null"],
    [Infinity, "args[0]: Infinity is not JSON-serializable; pass a finite number, or null"],
    [-Infinity, "args[0]: -Infinity is not JSON-serializable; pass a finite number, or null"],
    [new Map([["a", 1]]), "args[0]: Map is not JSON-serializable; pass Object.fromEntries(map)"],
    [new Set([1]), "args[0]: Set is not JSON-serializable; pass [...set]"],
    [new Point(1, 2), "args[0]: Point is not JSON-serializable; pass a plain object, e.g. { ...value } or value.toJSON()"],
    [() => 1, "args[0]: a function is not JSON-serializable; pass data, not a function; look the function up inside the task"],
    [Symbol("x"), "args[0]: a Symbol is not JSON-serializable; pass a string"],
    [undefined, "args[0]: undefined is not JSON-serializable; pass null, or leave the argument out"],
    [new Date(0), "args[0]: Date is not JSON-serializable; pass date.toISOString()"],
    [new Uint8Array(2), "args[0]: Uint8Array is not JSON-serializable; pass Buffer.from(value).toString('base64')"],
    [new Error("boom"), "args[0]: Error is not JSON-serializable; pass error.message"],
    [/re/, "args[0]: RegExp is not JSON-serializable; pass a plain object, e.g. { ...value } or value.toJSON()"],
  ];
  for (const [value, message] of cases) throwsTypeError(t, () => toJsonArgs([value]), message);
});

test("undefined as an argument in any position", (t) => {
  throwsTypeError(t, () => toJsonArgs([1, undefined]), "args[1]: undefined is not JSON-serializable; pass null, or leave the argument out");
});

test("undefined as an array element", (t) => {
  throwsTypeError(t, () => toJsonArgs([[1, undefined, 3]]), "args[0][1]: undefined is not JSON-serializable; pass null, or leave the argument out");
});

test("a sparse array", (t) => {
  // eslint-disable-next-line no-sparse-arrays
  throwsTypeError(t, () => toJsonArgs([[1, , 3]]), "args[0][1]: an empty array slot is not JSON-serializable; pass null");
  const holes = new Array(2);
  throwsTypeError(t, () => toJsonValue({ holes }, "returnValue"), "returnValue.holes[0]: an empty array slot is not JSON-serializable; pass null");
});

test("cycles through objects and arrays", (t) => {
  const self: Record<string, unknown> = { a: 1 };
  self.self = self;
  throwsTypeError(t, () => toJsonArgs([self]), "args[0].self: circular reference is not JSON-serializable; pass a tree of plain values");
  const list: unknown[] = [1];
  list.push({ back: list });
  throwsTypeError(t, () => toJsonArgs(["x", list]), "args[1][1].back: circular reference is not JSON-serializable; pass a tree of plain values");
});

test("the path given to toJsonValue prefixes the message", (t) => {
  throwsTypeError(t, () => toJsonValue(new Date(), "returnValue"), "returnValue: Date is not JSON-serializable; pass date.toISOString()");
});

test("the first violation in document order is reported", (t) => {
  throwsTypeError(t, () => toJsonArgs([{ a: 1, b: NaN, c: new Date() }]), "args[0].b: NaN is not JSON-serializable; pass a finite number, or null");
});

// `out[key] = …` on a `{}` literal would treat an own "__proto__" key (as JSON.parse produces) as
// the prototype setter: the key would be lost and the copy would inherit from the value.
test("an own __proto__ key (from JSON.parse) is copied as data, not as the prototype", (t) => {
  const input = JSON.parse('{"__proto__":{"isAdmin":true},"b":2}') as Record<string, unknown>;
  const out = toJsonValue(input, "x") as Record<string, unknown>;
  t.is(Object.getPrototypeOf(out), Object.prototype);
  t.deepEqual(Object.keys(out), ["__proto__", "b"]);
  t.is(JSON.stringify(out), '{"__proto__":{"isAdmin":true},"b":2}');
});

test("a NUL character in a string or key is rejected with its path, on every backend alike", (t) => {
  throwsTypeError(t, () => toJsonArgs(["ok", { note: "a\u0000b" }]), "args[1].note: a NUL character (\\u0000) cannot be stored (PostgreSQL rejects it in JSON); remove it or base64-encode the value");
  t.throws(() => toJsonArgs([{ ["k\u0000"]: 1 }]), { instanceOf: TypeError, message: /the key has a NUL character/ });
});
