/**
 * Text rules the .anpkg format inherits from its Python reference: its whitespace set, trimming,
 * blankness and line splitting (anpkg.md §0, §3.4 C).
 *
 * @module
 */

/** The whitespace characters of anpkg.md §0 (Python's `str.strip` set). */
const WS = "\t\n\v\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
  "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

/** True when `ch` (one UTF-16 unit) is whitespace in the sense of anpkg.md §0. */
export function isPyWhitespace(ch: string): boolean {
  return ch.length === 1 && WS.includes(ch);
}

/**
 * Removes whitespace (anpkg.md §0) at both ends.
 *
 * @example
 * ```ts
 * import { pyTrim } from "./text.ts";
 * console.assert(pyTrim("\u00a0 sim0 \u3000") === "sim0");
 * ```
 */
export function pyTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && WS.includes(s[a] as string)) a++;
  while (b > a && WS.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

/** True when a string is empty after {@link pyTrim}. */
export function isBlank(s: string): boolean {
  return pyTrim(s) === "";
}

/**
 * Splits text into lines the way Python's `str.splitlines` does: at LF, CR LF, CR, VT, FF,
 * U+001C–U+001E, U+0085, U+2028 and U+2029; a final separator does not start an empty line.
 *
 * @example
 * ```ts
 * import { pySplitLines } from "./text.ts";
 * console.assert(pySplitLines("a\r\nb\u2028c\n").join("|") === "a|b|c");
 * ```
 */
export function pySplitLines(text: string): string[] {
  // deno-lint-ignore no-control-regex -- these separators are what the reference splits at
  const lines = text.split(/\r\n|[\n\r\v\f\u001c\u001d\u001e\u0085\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === "" && text.length > 0) lines.pop();
  if (text.length === 0) return [];
  return lines;
}

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Options of {@link decodeUtf8}. */
export interface DecodeUtf8Options {
  /**
   * `true` (YAML): a leading byte-order mark is tolerated and removed. `false` (the default; JSON
   * and everything else): it is kept as U+FEFF at the start, where readers that forbid it see it.
   */
  readonly allowBom?: boolean;
}

/**
 * Decodes UTF-8 strictly: overlong forms, encoded surrogates, truncated sequences and other
 * invalid bytes give null, never replacement characters.
 *
 * @example
 * ```ts
 * import { decodeUtf8 } from "./text.ts";
 * const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
 * console.assert(decodeUtf8(bom, { allowBom: true }) === "a");
 * console.assert(decodeUtf8(bom) === "\uFEFFa");
 * console.assert(decodeUtf8(new Uint8Array([0xff])) === null);
 * ```
 */
export function decodeUtf8(bytes: Uint8Array, options: DecodeUtf8Options = {}): string | null {
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    return null;
  }
  return options.allowBom && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The first line of an error's message (or of the value as text), for one-line problem messages.
 *
 * @example
 * ```ts
 * import { errorLine } from "./text.ts";
 * console.assert(errorLine(new Error("No such file\nmore detail")) === "No such file");
 * console.assert(errorLine("plain") === "plain");
 * ```
 */
export function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}
