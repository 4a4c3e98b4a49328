/**
 * `handoff validate <package-or-dir>`: every check of the format in one pass.
 *
 * @module
 */

import { expectPositionals, flag, parseOrHelp, renderHelp, stringOption, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import {
  failureProblem,
  formatFrom,
  LIMIT_OPTIONS,
  limitsFrom,
  OUTPUT_OPTIONS,
  printReport,
  runtimeBinFrom,
} from "./common.ts";
import { reportCore } from "../report/report.ts";
import { type CliIo, EXIT } from "./io.ts";
import { type Progress, startProgress } from "./progress.ts";
import { AMOD_LIMITS, ANPKG_LIMITS } from "../zip/limits.ts";
import type { SnapshotFs } from "../amod/open.ts";

const OPTIONS = [
  {
    name: "runtime-bin",
    value: "PATH",
    help: "also run PATH --check-config from a private extraction (replay)",
  },
  { name: "replay-timeout", value: "S", help: "seconds before the replayed runtime is killed (default 30)" },
  { name: "quiet", short: "q", help: "no progress display on standard error (shown only on a terminal)" },
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

/**
 * The file system of the snapshot reader with every byte read counted on `progress`: of the
 * archive file, or of each file of a tree package (one member per file opened).
 */
function countingFs(base: SnapshotFs, progress: Progress, tree: boolean): SnapshotFs {
  return {
    stat: (path) => base.stat(path),
    lstat: (path) => base.lstat(path),
    readDir: (path) => base.readDir(path),
    readLink: (path) => base.readLink(path),
    async open(path) {
      const file = await base.open(path);
      if (tree) progress.advance(1, 0);
      return {
        async read(buffer: Uint8Array): Promise<number | null> {
          const n = await file.read(buffer);
          if (n !== null) progress.advance(0, n);
          return n;
        },
        seek: (offset, whence) => file.seek(offset, whence),
        stat: () => file.stat(),
        close: () => file.close(),
      };
    },
  };
}

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
      const limits = limitsFrom(args, AMOD_LIMITS);
      const { amodReport, validateSnapshot, validateSummaryLine } = await import("../amod/verify.ts");
      const { DENO_SNAPSHOT_FS } = await import("../amod/open.ts");
      // An archive is read as one file of known size; a tree file by file (members known, total not).
      const info = io.errIsTerminal ? await Deno.stat(input).catch(() => null) : null;
      const tree = info?.isDirectory === true;
      const progress = startProgress(io, "validating", {
        quiet: flag(args, "quiet"),
        members: tree,
        ...(info?.isFile ? { totalBytes: info.size } : {}),
      });
      let report;
      try {
        report = await validateSnapshot(input, { limits, fs: countingFs(DENO_SNAPSHOT_FS, progress, tree) })
          .catch((err) => amodReport("validate", input, "archive", [failureProblem(err)], null, null));
      } finally {
        progress.done();
      }
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
      replay = { runtimeBin: await runtimeBinFrom(bin), timeoutSeconds };
    }
    const progress = startProgress(io, "validating", { quiet: flag(args, "quiet") });
    const onProgress = (m: number, b: number) => progress.advance(m, b);
    const report = await validatePackage(
      input,
      replay ? { limits, replay, onProgress } : { limits, onProgress },
    )
      .catch(async (err) => ({
        ...reportCore("anpkg", "validate", input, "archive", [failureProblem(err)]),
        replay: (await import("../anpkg/replay.ts")).NOT_REQUESTED,
      }))
      .finally(() => progress.done());
    return printReport(report, format, io);
  },
};
