/**
 * Renderers of problems and reports: text for people, JSON for programs, GitHub Actions
 * annotations for CI logs.
 *
 * @module
 */

import type { Problem, ReportCore } from "./report.ts";

/**
 * Escapes characters that could drive a terminal or reorder text (amod.md §5.4 "Display
 * escaping"): C0 and C1 controls, U+200E/F, U+2028/9, U+202A–E, U+2066–9 become `\u{XXXX}`.
 * With `document: true`, LF and TAB are kept.
 *
 * @example
 * ```ts
 * import { displayEscape } from "./render.ts";
 * console.assert(displayEscape("a\u001b[2Jb") === "a\\u{001B}[2Jb");
 * ```
 */
export function displayEscape(text: string, options: { document?: boolean } = {}): string {
  return text.replace(UNSAFE, (ch) => {
    if (options.document && (ch === "\n" || ch === "\t")) return ch;
    return `\\u{${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}}`;
  });
}

// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Output styling decided once per process. */
export interface Style {
  /** Whether ANSI colors may be used. */
  readonly color: boolean;
}

/** No colors. */
export const PLAIN: Style = { color: false };

function paint(style: Style, code: number, text: string): string {
  return style.color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * One problem as a text line: `<severity>[<code>] <member or input>: <message>`, followed by
 * ` (at <key path>)` when the problem points inside a document.
 */
export function problemLine(p: Problem, input: string, style: Style = PLAIN): string {
  const sev = paint(style, p.severity === "error" ? 31 : 33, p.severity);
  const where = displayEscape(p.member ?? input);
  const at = p.path !== null ? ` (at ${displayEscape(p.path)})` : "";
  return `${sev}[${p.code}] ${where}: ${displayEscape(p.message)}${at}`;
}

/** The closing verdict line of a checking command. */
export function verdictLine(report: Pick<ReportCore, "valid" | "errors" | "warnings" | "input">): string {
  const input = displayEscape(report.input);
  return report.valid
    ? `valid: ${input}`
    : `invalid: ${input} (${report.errors} errors, ${report.warnings} warnings)`;
}

/** A report as JSON: two-space indentation, keys in construction order, one final LF. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** Escapes a GitHub Actions workflow-command property value. */
function ghProperty(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/:/g, "%3A")
    .replace(/,/g, "%2C");
}

/** Escapes a GitHub Actions workflow-command message. */
function ghMessage(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * One problem as a GitHub Actions annotation:
 * `::error file=<input>,title=<code>::<member>: <message>`.
 *
 * @example
 * ```ts
 * import { githubAnnotation } from "./render.ts";
 * import { problem } from "./report.ts";
 * const line = githubAnnotation(problem("checksum-mismatch", "Digest differs", { member: "a.yaml" }), "p.anpkg");
 * console.assert(line === "::error file=p.anpkg,title=checksum-mismatch::a.yaml: Digest differs");
 * ```
 */
export function githubAnnotation(p: Problem, input: string): string {
  const kind = p.severity === "error" ? "error" : "warning";
  const where = p.member !== null ? `${p.member}${p.path !== null ? ` ${p.path}` : ""}: ` : "";
  return `::${kind} file=${ghProperty(input)},title=${ghProperty(p.code)}::${ghMessage(where + p.message)}`;
}
