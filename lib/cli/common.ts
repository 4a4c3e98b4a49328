/**
 * Options and output shared by the checking commands: the three limit flags, `--json`,
 * `--format`, and the rendering of a report's problems and verdict.
 *
 * @module
 */

import { type OptionSpec, type ParsedArgs, stringOption, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";
import { EXIT } from "./io.ts";
import { githubAnnotation, problemLine, renderJson, verdictLine } from "../report/render.ts";
import { isOperational, type Problem, problem, type ReportCore } from "../report/report.ts";
import { parseLimitValue, type ZipLimits } from "../zip/limits.ts";
import { isSystemError } from "../fs/atomic.ts";

/** The three limit flags every package command accepts (spec/README.md "Limits"). */
export const LIMIT_OPTIONS: readonly OptionSpec[] = [
  { name: "max-members", value: "N", help: "most entries a package may have (0 disables)" },
  {
    name: "max-total-bytes",
    value: "BYTES",
    help: "most uncompressed bytes in all (K, M, G suffixes; 0 disables)",
  },
  {
    name: "max-ratio",
    value: "N",
    help: "highest compression ratio of an entry of 1 MiB or more (0 disables)",
  },
];

/** `--json` and `--format`. */
export const OUTPUT_OPTIONS: readonly OptionSpec[] = [
  { name: "json", help: "print the report as JSON on stdout (same as --format json)" },
  { name: "format", value: "FORMAT", help: "text (default), json, or github (GitHub Actions annotations)" },
];

/** Reads the limit flags over the given defaults. */
export function limitsFrom(args: ParsedArgs, defaults: ZipLimits): ZipLimits {
  const read = (name: string, bytes: boolean, fallback: number): number => {
    const text = stringOption(args, name);
    if (text === undefined) return fallback;
    const v = parseLimitValue(text, { bytes });
    if (v === null) {
      throw new UsageError(
        `--${name} needs a non-negative whole number${
          bytes ? " (optionally with K, M or G)" : ""
        }, got "${text}"`,
      );
    }
    return v;
  };
  return {
    maxMembers: read("max-members", false, defaults.maxMembers),
    maxTotalBytes: read("max-total-bytes", true, defaults.maxTotalBytes),
    maxRatio: read("max-ratio", false, defaults.maxRatio),
  };
}

/** Output format of a checking command. */
export type OutputFormat = "text" | "json" | "github";

/** Reads `--json` / `--format`. */
export function formatFrom(args: ParsedArgs): OutputFormat {
  const f = stringOption(args, "format");
  if (f !== undefined && f !== "text" && f !== "json" && f !== "github") {
    throw new UsageError(`--format must be text, json or github, got "${f}"`);
  }
  if (args.options.get("json") === true) {
    if (f !== undefined && f !== "json") throw new UsageError("--json conflicts with --format " + f);
    return "json";
  }
  return f ?? "text";
}

/**
 * Prints a checking report: JSON on stdout, or problems on stderr and the verdict line on stdout
 * (text), or annotations on stdout plus the verdict (github). Returns the exit code.
 */
export function printReport(
  report: ReportCore,
  format: OutputFormat,
  io: CliIo,
  extraLines: readonly string[] = [],
): number {
  if (format === "json") io.out(renderJson(report));
  else {
    for (const p of report.problems) {
      if (format === "github") io.out(githubAnnotation(p, report.input) + "\n");
      else io.err(problemLine(p, report.input, io.style) + "\n");
    }
    for (const line of extraLines) io.out(line + "\n");
    io.out(verdictLine(report) + "\n");
  }
  return exitCodeOf(report);
}

/** 3 for operational problems, 1 for other errors, else 0. */
export function exitCodeOf(report: Pick<ReportCore, "problems" | "valid">): number {
  if (report.problems.some(isOperational)) return EXIT.operational;
  return report.valid ? EXIT.ok : EXIT.invalid;
}

/** True for failures the CLI reports by itself (usage errors, missing permissions). */
function isCliFailure(err: unknown): boolean {
  return err instanceof UsageError || err instanceof Deno.errors.NotCapable ||
    err instanceof Deno.errors.PermissionDenied;
}

/**
 * Turns an unexpected exception of a checking command into its problem — `io-error` for an
 * operating-system failure, `internal-error` for a fault of ours — so that `--json` still prints a
 * report (exit 3). Usage and permission failures are re-thrown for the CLI entry to report.
 */
export function failureProblem(err: unknown): Problem {
  if (isCliFailure(err)) throw err;
  const message = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
  return isSystemError(err)
    ? problem("io-error", `Cannot read the input: ${message}`)
    : problem("internal-error", `Unexpected failure in handoff: ${message}`);
}
