/**
 * Why a JSON value cannot be stored in a JSON column of every supported database, or `null` when it
 * can: PostgreSQL's `jsonb` rejects the escape `\u0000` and lone surrogates (invalid Unicode), in
 * strings and in object keys alike, although both are legal in JSON text. Walks iteratively, so
 * nesting depth cannot overflow the stack.
 */
export function unstorableReason(value: unknown): string | null {
  if (value === null || typeof value !== "object") return typeof value === "string" ? textReason(value) : null;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") {
      const reason = textReason(v);
      if (reason) return reason;
    } else if (Array.isArray(v)) {
      for (const item of v) if (item !== null && (typeof item === "object" || typeof item === "string")) stack.push(item);
    } else if (v !== null && typeof v === "object") {
      for (const [key, item] of Object.entries(v)) {
        const reason = textReason(key);
        if (reason) return `an object key: ${reason}`;
        if (item !== null && (typeof item === "object" || typeof item === "string")) stack.push(item);
      }
    }
  }
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textReason(text: string): string | null {
  if (text.includes("\u0000")) return "a string contains U+0000 (NUL), which PostgreSQL cannot store";
  if (LONE_SURROGATE.test(text)) return "a string contains a lone surrogate (invalid Unicode), which PostgreSQL cannot store";
  return null;
}
