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
 * Throws Deno's own `NotCapable` error, worded as Deno words it, unless `name` access to `target`
 * (a path, or a program for `run`) is granted. For checks made before any work starts, where a
 * library step would otherwise report the refusal as an I/O problem or a failed replay.
 */
export function requireGranted(name: "read" | "write" | "run", target: string): void {
  const descriptor: Deno.PermissionDescriptor = name === "run"
    ? { name, command: target }
    : { name, path: target };
  if (Deno.permissions.querySync(descriptor).state === "granted") return;
  throw new Deno.errors.NotCapable(
    `Requires ${name} access to "${target}", run again with the --allow-${name} flag`,
  );
}

/**
 * Deno creates symbolic links only with unscoped read and write permissions (a link's target is
 * resolved only when it is followed, so a path-scoped grant could not confine it). Commands that
 * create links (`what`: "deploy creates symbolic links") check this before touching anything
 * instead of failing, and rolling back, at the first link.
 */
export function requireLinkPermissions(what: string): void {
  const read = Deno.permissions.querySync({ name: "read" }).state;
  const write = Deno.permissions.querySync({ name: "write" }).state;
  if (read === "granted" && write === "granted") return;
  throw new Deno.errors.NotCapable(
    `${what}, which Deno allows only with unscoped --allow-read and --allow-write ` +
      "(narrow them with --deny-read and --deny-write)",
  );
}

/**
 * Resolves `--runtime-bin` for a replay (a usage error when it is unusable), after checking the
 * permissions it needs so that a missing one is named: read access to the path (resolving it
 * otherwise reports "does not exist") and run access to the resolved program (otherwise the
 * replay reports a runtime that could not be started, exit 1).
 */
export async function runtimeBinFrom(bin: string): Promise<string> {
  requireGranted("read", bin);
  const { resolveRuntimeBin } = await import("../anpkg/replay.ts");
  const r = await resolveRuntimeBin(bin);
  if ("error" in r) throw new UsageError(r.error);
  requireGranted("run", r.path);
  return r.path;
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
