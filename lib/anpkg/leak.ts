/**
 * The leak rule (anpkg.md §2.8), shared by export and validation: a leaf whose last key-path
 * segment contains "token" (case-insensitively) and that holds a non-blank string is a leak.
 *
 * @module
 */

import { type Problem, problem } from "../report/report.ts";
import { isBlank } from "../text.ts";
import { keyText, YamlMap, YamlPairs, YamlSet } from "../yaml/types.ts";

/** Visits every leaf of a parsed document with its key path. */
export function visitLeaves(value: unknown, visit: (path: string, leaf: unknown) => void, path = "$"): void {
  // Depth is bounded by the loaders (512 levels); aliases are visited at every place they appear.
  if (value instanceof YamlMap) {
    for (const [k, v] of value.entries()) visitLeaves(v, visit, `${path}.${keyText(k)}`);
  } else if (value instanceof YamlSet) {
    for (const m of value.members) visit(`${path}.${keyText(m)}`, null);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => visitLeaves(v, visit, `${path}[${i}]`));
  } else if (value instanceof Map) {
    for (const [k, v] of value) visitLeaves(v, visit, `${path}.${String(k)}`);
  } else if (value instanceof YamlPairs) {
    // PyYAML loads !!omap/!!pairs as a list of tuples: each pair is a non-string leaf.
    value.pairs.forEach((_, i) => visit(`${path}[${i}]`, value));
  } else {
    visit(path, value);
  }
}

/** The part of a key path after its final `.` (the whole path when it has none). */
export function lastSegment(path: string): string {
  const i = path.lastIndexOf(".");
  return i < 0 ? path : path.slice(i + 1);
}

/**
 * Applies the leak rule to one parsed member; one `token-leak` problem per leaking leaf.
 *
 * @example
 * ```ts
 * import { findLeaks } from "./leak.ts";
 * import { YamlMap } from "../yaml/types.ts";
 * const doc = new YamlMap();
 * doc.set("api_token", "x");
 * doc.set("token_count", 5n);
 * console.assert(findLeaks("providers/a.yaml", doc).length === 1);
 * ```
 */
export function findLeaks(member: string, doc: unknown): Problem[] {
  const out: Problem[] = [];
  visitLeaves(doc, (path, leaf) => {
    if (typeof leaf !== "string" || isBlank(leaf)) return;
    if (!lastSegment(path).toLowerCase().includes("token")) return;
    out.push(problem("token-leak", "A token-like key holds a value; remove it or provide it at deploy time", {
      member,
      path,
    }));
  });
  return out;
}
