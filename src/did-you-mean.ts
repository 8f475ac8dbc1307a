/** Suggestions for a mistyped name (a config key, an option), by edit distance. */

/** The Levenshtein distance between `a` and `b`, case-insensitive (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[t.length]!;
}

/**
 * The closest of `known` to `name` when it is close enough to be a typo (at most a third of its
 * length, at least 1 edit; a prefix such as `TASK` for `TASKS` counts), else `undefined`.
 */
export function closestMatch(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** `' (did you mean "TASKS"?)'` when `name` looks like a typo of one of `known`, else `""`. */
export function didYouMean(name: string, known: readonly string[]): string {
  const match = closestMatch(name, known);
  return match === undefined ? "" : ` (did you mean "${match}"?)`;
}
