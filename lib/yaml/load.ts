/**
 * Loading YAML with the reference's YAML 1.1 rules (§2.12): one document, exact integers,
 * floats kept apart from integers, aliases as shared objects, limits against alias bombs, and
 * notes for duplicate keys and values that YAML 1.1 and 1.2 readers would disagree on.
 *
 * @module
 */

import { composeDocument, YamlLimitError } from "./compose.ts";
import { checkExpansion, Constructor, type YamlNote } from "./construct.ts";
import { describeChar } from "./message.ts";
import { YamlSyntaxError } from "./scanner.ts";
import type { YamlValue } from "./types.ts";

export type { YamlNote } from "./construct.ts";

/** Outcome of {@link loadYaml}. */
export type YamlLoadResult =
  | { ok: true; value: YamlValue; notes: YamlNote[] }
  | { ok: false; code: "yaml-invalid" | "yaml-limits-exceeded"; message: string };

/** Limits for {@link loadYaml}; the defaults are those of §2.12. */
export interface YamlLoadOptions {
  /** Deepest collection nesting allowed, aliases expanded (default 512). */
  maxDepth?: number;
  /** Most nodes allowed, aliases expanded (default 1,000,000). */
  maxNodes?: number;
}

/** Characters the reference refuses anywhere in a YAML stream. */
const NON_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
/** Anything but printable ASCII: text without it (most text) needs no Unicode-aware check. */
const NOT_ASCII_PRINTABLE = /[^\t\n\r\x20-\x7e]/;

/**
 * Loads one YAML document. Never throws for any input: syntax errors, refused tags, several
 * documents and the like give `yaml-invalid`; documents nested deeper than `maxDepth` or
 * expanding to more than `maxNodes` nodes give `yaml-limits-exceeded`. An empty document is null.
 *
 * @example
 * ```ts
 * import { loadYaml } from "./load.ts";
 * import { YamlMap } from "./types.ts";
 * const r = loadYaml("enabled: yes\nratio: 25.0\nmode: 0x0A\n");
 * if (!r.ok || !(r.value instanceof YamlMap)) throw new Error("unexpected");
 * console.assert(r.value.get("enabled") === true && r.value.get("ratio") === 25 && r.value.get("mode") === 10n);
 * console.assert(r.notes.length === 1 && r.notes[0]?.path === "$.enabled");
 * ```
 */
export function loadYaml(text: string, options: YamlLoadOptions = {}): YamlLoadResult {
  const maxDepth = options.maxDepth ?? 512;
  const maxNodes = options.maxNodes ?? 1_000_000;
  try {
    const bad = NOT_ASCII_PRINTABLE.test(text) ? NON_PRINTABLE.exec(text) : null;
    if (bad !== null) {
      const { line, column } = position(text, bad.index);
      throw new YamlSyntaxError(
        `The character ${describeChar(bad[0].codePointAt(0) ?? 0)} is not allowed in YAML`,
        line,
        column,
      );
    }
    const doc = composeDocument(text, { maxDepth, maxNodes });
    if (doc === null) return { ok: true, value: null, notes: [] };
    // A tree (no aliases) cannot exceed the limits that composing it already enforced.
    if (doc.aliases) checkExpansion(doc.root, maxNodes, maxDepth);
    const constructor = new Constructor(maxNodes);
    const value = constructor.construct(doc.root, "$", null);
    return { ok: true, value, notes: constructor.notes };
  } catch (e) {
    if (e instanceof YamlSyntaxError) {
      return {
        ok: false,
        code: "yaml-invalid",
        message: `${e.message} (line ${e.line + 1}, column ${e.column + 1})`,
      };
    }
    if (e instanceof YamlLimitError) return { ok: false, code: "yaml-limits-exceeded", message: e.message };
    if (e instanceof RangeError) {
      // Only a call stack exhausted despite the depth limit can get here.
      return {
        ok: false,
        code: "yaml-limits-exceeded",
        message: "The document is too deeply nested to load",
      };
    }
    throw e;
  }
}

/** Line and code-point column (0-based) of a UTF-16 offset, counted as the reference counts them. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let column = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (
      c === 10 || c === 0x85 || c === 0x2028 || c === 0x2029 || (c === 13 && text.charCodeAt(i + 1) !== 10)
    ) {
      line++;
      column = 0;
    } else if ((c & 0xfc00) !== 0xdc00 && c !== 0xfeff) column++;
  }
  return { line, column };
}
