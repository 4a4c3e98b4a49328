/**
 * `handoff validate <package-or-dir>`: every check of the format in one pass.
 *
 * @module
 */

import { expectPositionals, parseOrHelp, renderHelp, stringOption, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import {
  failureProblem,
  formatFrom,
  LIMIT_OPTIONS,
  limitsFrom,
  OUTPUT_OPTIONS,
  printReport,
} from "./common.ts";
import { reportCore } from "../report/report.ts";
import { type CliIo, EXIT } from "./io.ts";
import { AMOD_LIMITS, ANPKG_LIMITS } from "../zip/limits.ts";

const OPTIONS = [
  {
    name: "runtime-bin",
    value: "PATH",
    help: "also run PATH --check-config from a private extraction (replay)",
  },
  { name: "replay-timeout", value: "S", help: "seconds before the replayed runtime is killed (default 30)" },
  ...OUTPUT_OPTIONS,
  ...LIMIT_OPTIONS,
];

const HELP = renderHelp(
  [
    "handoff validate <package.anpkg | extracted-dir> [--runtime-bin PATH] [--replay-timeout S] [--json] [limits]",
    "handoff validate <snapshot.amod | tree> [--json] [limits]",
  ],
  "Check a package: framing, names, structure, checksums, documents, schemas, references and (optionally)\n" +
    "a replay of the runtime's --check-config; for .amod snapshots also the restore plan. The format is\n" +
    "detected from the input. Every problem is reported in one pass.",
  OPTIONS,
  [
    "Without --runtime-bin it only reads the package (deno: --allow-read=<package>).",
    "Exit: 0 valid · 1 invalid · 2 usage error · 3 operational error (unreadable input, runtime not startable).",
  ],
);

/** The validate command. */
export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseOrHelp(argv, OPTIONS, HELP, io.out);
    if (args === null) return EXIT.ok;
    expectPositionals(args, 1, 1, "the package path");
    const input = args.positionals[0] as string;
    const format = formatFrom(args);
    const { detectFormat } = await import("../detect.ts");
    if ((await detectFormat(input)) === "amod") {
      if (args.options.has("runtime-bin") || args.options.has("replay-timeout")) {
        throw new UsageError("--runtime-bin and --replay-timeout apply to .anpkg packages only");
      }
      const { amodReport, validateSnapshot, validateSummaryLine } = await import("../amod/verify.ts");
      const report = await validateSnapshot(input, { limits: limitsFrom(args, AMOD_LIMITS) }).catch((err) =>
        amodReport("validate", input, "archive", [failureProblem(err)], null, null)
      );
      return printReport(report, format, io, [validateSummaryLine(report)]);
    }
    const limits = limitsFrom(args, ANPKG_LIMITS);
    const timeoutText = stringOption(args, "replay-timeout");
    let timeoutSeconds = 30;
    if (timeoutText !== undefined) {
      timeoutSeconds = Number(timeoutText);
      if (!/^[0-9]*\.?[0-9]+$/.test(timeoutText) || !(timeoutSeconds > 0)) {
        throw new UsageError(`--replay-timeout needs a number of seconds above 0, got "${timeoutText}"`);
      }
    }
    const bin = stringOption(args, "runtime-bin");
    const { validatePackage } = await import("../anpkg/validate.ts");
    let replay: { runtimeBin: string; timeoutSeconds: number } | undefined;
    if (bin !== undefined) {
      const { resolveRuntimeBin } = await import("../anpkg/replay.ts");
      const r = await resolveRuntimeBin(bin);
      if ("error" in r) throw new UsageError(r.error);
      replay = { runtimeBin: r.path, timeoutSeconds };
    }
    const report = await validatePackage(input, replay ? { limits, replay } : { limits }).catch(async (
      err,
    ) => ({
      ...reportCore("anpkg", "validate", input, "archive", [failureProblem(err)]),
      replay: (await import("../anpkg/replay.ts")).NOT_REQUESTED,
    }));
    return printReport(report, format, io);
  },
};
