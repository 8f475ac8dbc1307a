/**
 * errand's serialization rules for task arguments and return values (Django: "must be
 * JSON-serializable"). Values are checked strictly, so that what a task receives from the database
 * is exactly what the caller passed: no silent `Date` → string, `undefined` → `null` or `NaN` → `null`
 * conversions as `JSON.stringify` would do.
 */

/** A value errand can store and hand back unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What to do instead, for the values people most often pass by mistake. */
function hintFor(value: unknown): string {
  if (value === undefined) return "pass null, or leave the argument out";
  if (typeof value === "number") return "pass a finite number, or null";
  if (typeof value === "bigint") return "pass String(value) or Number(value)";
  if (typeof value === "function") return "pass data, not a function; look the function up inside the task";
  if (typeof value === "symbol") return "pass a string";
  if (value instanceof Date) return "pass date.toISOString()";
  if (value instanceof Map) return "pass Object.fromEntries(map)";
  if (value instanceof Set) return "pass [...set]";
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return "pass Buffer.from(value).toString('base64')";
  if (value instanceof Error) return "pass error.message";
  return "pass a plain object, e.g. { ...value } or value.toJSON()";
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") return String(value);
  if (typeof value === "bigint") return "BigInt";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a Symbol";
  const ctor = (value as object).constructor;
  return ctor?.name ? ctor.name : "an object without a plain prototype";
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const NUL_FIX = "a NUL character (\\u0000) cannot be stored (PostgreSQL rejects it in JSON); remove it or base64-encode the value";

function normalize(value: unknown, path: string, ancestors: object[]): JsonValue {
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new TypeError(`${path}: ${NUL_FIX}`);
    return value;
  }
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    throw new TypeError(`${path}: ${describe(value)} is not JSON-serializable; ${hintFor(value)}`);
  }
  if (typeof value !== "object") {
    throw new TypeError(`${path}: ${describe(value)} is not JSON-serializable; ${hintFor(value)}`);
  }
  if (ancestors.includes(value)) {
    throw new TypeError(`${path}: circular reference is not JSON-serializable; pass a tree of plain values`);
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      const out: JsonValue[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) {
          throw new TypeError(`${path}[${i}]: an empty array slot is not JSON-serializable; pass null`);
        }
        out[i] = normalize(value[i], `${path}[${i}]`, ancestors);
      }
      return out;
    }
    if (!isPlainObject(value)) {
      throw new TypeError(`${path}: ${describe(value)} is not JSON-serializable; ${hintFor(value)}`);
    }
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      // Django/JSON semantics: a property whose value is undefined is simply absent.
      if (item === undefined) continue;
      if (key.includes("\u0000")) throw new TypeError(`${childPath(path, key)}: the key has ${NUL_FIX}`);
      const copy = normalize(item, childPath(path, key), ancestors);
      // An own "__proto__" key (JSON.parse makes them) must stay data, not become the prototype.
      if (key === "__proto__") Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
      else out[key] = copy;
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

/**
 * Checks that `value` follows errand's JSON rules and returns a deep copy of it.
 *
 * Allowed: `null`, booleans, strings, finite numbers, arrays and plain objects of those. Object
 * properties whose value is `undefined` are omitted from the copy.
 *
 * @param path - how the value is named in the error, e.g. `"args[1]"` or `"returnValue"`.
 * @throws TypeError naming the path and the fix, e.g.
 *   `args[1]: Date is not JSON-serializable; pass date.toISOString()`, for a `Date`, `undefined`
 *   (as an argument or array element), `BigInt`, `NaN`/`Infinity`, `Map`, `Set`, a class instance,
 *   a function, a symbol, an empty array slot, a cycle, or a string or key holding a NUL character
 *   (which PostgreSQL cannot store).
 */
export function toJsonValue(value: unknown, path: string): JsonValue {
  return normalize(value, path, []);
}

/**
 * Checks and copies a task's positional arguments (see {@link toJsonValue}); paths are `args[i]`.
 * @throws TypeError as {@link toJsonValue}.
 */
export function toJsonArgs(args: readonly unknown[]): JsonValue[] {
  const ancestors: object[] = [];
  return args.map((arg, i) => normalize(arg, `args[${i}]`, ancestors));
}

/** A deep copy of an already valid JSON value (cheaper than re-validating). */
export function cloneJson<T extends JsonValue | JsonValue[]>(value: T): T {
  return structuredClone(value);
}
