/**
 * `handoff export <project-dir> [-o OUT.anpkg]`: build, self-validate and write a package.
 *
 * @module
 */

import { expectPositionals, flag, parseOrHelp, renderHelp, stringOption, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { startProgress } from "./progress.ts";
import { exitCodeOf, formatFrom, LIMIT_OPTIONS, limitsFrom, OUTPUT_OPTIONS } from "./common.ts";
import { type CliIo, EXIT } from "./io.ts";
import { problemLine, renderJson } from "../report/render.ts";
import { ANPKG_LIMITS } from "../zip/limits.ts";

const OPTIONS = [
  {
    name: "output",
    short: "o",
    value: "OUT",
    help: "where to write the package (default: ./<project>.anpkg)",
  },
  { name: "data-root", value: "DIR", help: "also look up the behavior tree relative to DIR" },
  { name: "quiet", short: "q", help: "no progress display on standard error (shown only on a terminal)" },
  ...OUTPUT_OPTIONS,
  ...LIMIT_OPTIONS,
];

const HELP = renderHelp(
  ["handoff export <project-dir> [-o OUT.anpkg] [--data-root DIR] [--quiet] [--json] [limits]"],
  "Export a canonical project directory as a deterministic .anpkg package. The result is validated in\n" +
    "memory before it is written; on any error nothing is written.",
  OPTIONS,
  [
    "Prints the absolute path of the package on stdout; problems go to stderr.",
    "Exit: 0 written (warnings possible) · 1 project invalid, nothing written · 2 usage error · 3 I/O error.",
  ],
);

/** The export command. */
export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseOrHelp(argv, OPTIONS, HELP, io.out);
    if (args === null) return EXIT.ok;
    expectPositionals(args, 1, 1, "the project directory");
    const project = args.positionals[0] as string;
    const format = formatFrom(args);
    const limits = limitsFrom(args, ANPKG_LIMITS);
    const output = stringOption(args, "output");
    if (output !== undefined) {
      const info = await Deno.stat(output).catch(() => null);
      if (info?.isDirectory) throw new UsageError(`-o "${output}" is a directory; name the package file`);
    }
    const dataRootArg = stringOption(args, "data-root");
    let dataRoot: string | undefined;
    if (dataRootArg !== undefined) {
      const info = await Deno.stat(dataRootArg).catch(() => null);
      if (!info?.isDirectory) {
        throw new UsageError(`--data-root "${dataRootArg}" is not an existing directory`);
      }
      dataRoot = await Deno.realPath(dataRootArg);
    }
    const { exportProject } = await import("../anpkg/export.ts");
    const progress = startProgress(io, "exporting", { quiet: flag(args, "quiet") });
    const onProgress = (m: number, b: number) => progress.advance(m, b);
    const report = await exportProject(
      project,
      output,
      dataRoot ? { limits, dataRoot, onProgress } : { limits, onProgress },
    )
      .finally(() => progress.done());
    if (format === "json") io.out(renderJson(report));
    else {
      for (const p of report.problems) io.err(problemLine(p, project, io.style) + "\n");
      if (report.output) io.out(report.output + "\n");
      else {io.err(
          `export failed: nothing written (${report.errors} error${report.errors === 1 ? "" : "s"})\n`,
        );}
    }
    return exitCodeOf(report);
  },
};
