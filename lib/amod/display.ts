/**
 * Display escaping (amod.md §5.4): text taken from a snapshot — names, link targets, manifest
 * strings, `REDACTION.md` — is escaped before a person sees it, so a hostile snapshot cannot drive
 * the terminal or reorder the text around it.
 *
 * @module
 */

/** Options of {@link displayEscape}. */
export interface DisplayEscapeOptions {
  /** Keep LF and TAB, as inside a whole document; otherwise they are escaped too. */
  readonly document?: boolean;
}

// C0 and C1 controls, DEL, the bidirectional marks, embeddings, overrides and isolates, and the
// Unicode line and paragraph separators.
// deno-lint-ignore no-control-regex -- escaping control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces every character that could act on a terminal or reorder text with `\u{XXXX}`
 * (four uppercase hex digits).
 *
 * @example
 * ```ts
 * import { displayEscape } from "./display.ts";
 * console.assert(displayEscape("a\u001b[2Jb") === "a\\u{001B}[2Jb");
 * console.assert(displayEscape("x\ny", { document: true }) === "x\ny");
 * console.assert(displayEscape("x\ny") === "x\\u{000A}y");
 * ```
 */
export function displayEscape(text: string, options: DisplayEscapeOptions = {}): string {
  const keepLines = options.document === true;
  return text.replace(UNSAFE, (ch) => {
    if (keepLines && (ch === "\n" || ch === "\t")) return ch;
    return `\\u{${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}}`;
  });
}
