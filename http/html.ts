/**
 * A tiny HTML template tag for the admin pages: every interpolated value is escaped unless it is
 * already {@link SafeHtml} (the output of another `html` template, or {@link raw} for trusted markup).
 */

/** Markup that is already safe to insert (built by {@link html} or {@link raw}). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] ?? ch);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/**
 * Builds markup from a template; interpolations are escaped, arrays are joined, `null`,
 * `undefined` and `false` render as nothing.
 * @example html`<td>${task.name}</td>` // `<td>&lt;script&gt;…</td>` for a hostile name
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** Marks trusted, constant markup (CSS, inline script) as safe. Never pass user data. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
