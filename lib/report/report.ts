/**
 * Problems and reports: bad input is data. Every check returns problems; a report is valid when
 * none of them is an error.
 *
 * @module
 */

import { type Code, codeInfo, codeRank, type Format, type Severity, severityOf } from "./codes.ts";

/** One finding of a check. */
export interface Problem {
  /** Stable kebab-case code from the registry. */
  readonly code: Code;
  /** `error` or `warning`. */
  readonly severity: Severity;
  /** The member (package-relative name) the problem concerns, or `null`. */
  readonly member: string | null;
  /** A key path inside that member (`$.providers[0].id`), or `null`. */
  readonly path: string | null;
  /** One line of English. */
  readonly message: string;
}

/** Where a problem points and how severe it is, beyond its code's default. */
export interface ProblemOptions {
  member?: string | null;
  path?: string | null;
  severity?: Severity;
  /** The operation, to apply the registry's per-operation severity exceptions. */
  operation?: string;
}

/**
 * Builds a problem with the registry's severity.
 *
 * @example
 * ```ts
 * import { problem } from "./report.ts";
 * const p = problem("checksum-mismatch", "Digest differs", { member: "a.yaml" });
 * console.assert(p.severity === "error" && p.path === null);
 * ```
 */
export function problem(code: Code, message: string, options: ProblemOptions = {}): Problem {
  return {
    code,
    severity: options.severity ?? severityOf(code, options.operation),
    member: options.member ?? null,
    path: options.path ?? null,
    message: oneLine(message),
  };
}

/** Messages are one line: line breaks collapse to spaces. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, " ");
}

/** Compares two strings by code point (= UTF-8 byte order), never by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800–0xDFFF) encode code points above 0xFFFF, which sort after 0xE000–0xFFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** `.anpkg` problem order: registry row, then member, key path and message (anpkg.md §3.1). */
export function sortAnpkgProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) =>
    codeRank("anpkg", a.code) - codeRank("anpkg", b.code) ||
    compareCodePoints(a.member ?? "", b.member ?? "") ||
    compareCodePoints(a.path ?? "", b.path ?? "") ||
    compareCodePoints(a.message, b.message)
  );
}

/** `.amod` problem order: table row, then discovery order within a code (amod.md §5.2). */
export function sortAmodProblems(problems: readonly Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => codeRank("amod", a.p.code) - codeRank("amod", b.p.code) || a.i - b.i)
    .map((x) => x.p);
}

/** Sorts problems in the order the given format's specification prescribes. */
export function sortProblems(format: Format, problems: readonly Problem[]): Problem[] {
  return format === "anpkg" ? sortAnpkgProblems(problems) : sortAmodProblems(problems);
}

/** Counts of a problem list. */
export interface Tally {
  /** True when no problem is an error. */
  readonly valid: boolean;
  /** Number of error problems. */
  readonly errors: number;
  /** Number of warning problems. */
  readonly warnings: number;
}

/** Counts errors and warnings; valid means no error. */
export function tally(problems: readonly Problem[]): Tally {
  let errors = 0;
  for (const p of problems) if (p.severity === "error") errors++;
  return { valid: errors === 0, errors, warnings: problems.length - errors };
}

/** True when a problem is operational (the CLI exits with 3). */
export function isOperational(p: Problem): boolean {
  return p.severity === "error" && codeInfo(p.code)?.operational === true;
}

/** Keeps the first of problems that share code, member, path (anpkg.md §2.2 step 16). */
export function dedupeProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const p of problems) {
    const key = `${p.code}\u0000${p.member ?? ""}\u0000${p.path ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** The shared core of every checking report (spec/README.md "Reports"). */
export interface ReportCore {
  /** Version of the report shape (always 1). */
  readonly report_version: 1;
  /** The package format checked. */
  readonly format: Format;
  /** The operation that produced the report (`validate`, `export`, `inspect`, …). */
  readonly operation: string;
  /** The input as the user gave it. */
  readonly input: string;
  /** What the input was read as. */
  readonly input_kind: "archive" | "directory" | "request-body";
  /** True when no problem is an error. */
  readonly valid: boolean;
  /** Number of error problems. */
  readonly errors: number;
  /** Number of warning problems. */
  readonly warnings: number;
  /** Every problem, in the format's order. */
  readonly problems: readonly Problem[];
}

/** Builds the shared report core from sorted problems. */
export function reportCore(
  format: Format,
  operation: string,
  input: string,
  inputKind: ReportCore["input_kind"],
  problems: readonly Problem[],
): ReportCore {
  const sorted = sortProblems(format, problems);
  const t = tally(sorted);
  return {
    report_version: 1,
    format,
    operation,
    input,
    input_kind: inputKind,
    valid: t.valid,
    errors: t.errors,
    warnings: t.warnings,
    problems: sorted,
  };
}
