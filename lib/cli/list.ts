/**
 * `handoff list [project-root] [--json] [limits]` (amod.md §6.13): the project's `.amod`
 * snapshots, newest first, with their manifest summaries, and the tree package if there is one.
 *
 * @module
 */

import { expectPositionals, parseOrHelp, renderHelp, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { formatFrom, LIMIT_OPTIONS, limitsFrom, OUTPUT_OPTIONS } from "./common.ts";
import { type CliIo, EXIT } from "./io.ts";
import { problemLine, renderJson } from "../report/render.ts";
import { isOperational } from "../report/report.ts";
import { AMOD_LIMITS } from "../zip/limits.ts";

const OPTIONS = [...OUTPUT_OPTIONS, ...LIMIT_OPTIONS];

const HELP = renderHelp(
  ["handoff list [project-root] [--json] [limits]"],
  "List the .amod snapshots in <project root>/.agentmod/snapshots/, newest first: name, size, local\n" +
    "modification time, creation time, tool version and git state (or why a snapshot cannot be read),\n" +
    "and the tree package <project root>/.agentmod-handoff/ when there is one. Only each manifest is\n" +
    "read; nothing is hashed or extracted. Without project-root, the project is found from the working\n" +
    "directory upwards (the first directory holding .agentmod/agentmod.toml).",
  OPTIONS,
  [
    "Needs only read access to the project root (deno: --allow-read).",
    "Exit: 0 listed (an unreadable snapshot is listed, not an error) · 1 no project found · 2 usage error ·",
    "3 operational error.",
  ],
);

/** The list command. */
export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseOrHelp(argv, OPTIONS, HELP, io.out);
    if (args === null) return EXIT.ok;
    expectPositionals(args, 0, 1, "the project root");
    const format = formatFrom(args);
    if (format === "github") throw new UsageError("--format github is not available for list");
    const limits = limitsFrom(args, AMOD_LIMITS);
    const { resolveProjectRoot } = await import("../amod/project_root.ts");
    const given = args.positionals[0];
    const resolved = await resolveProjectRoot(given, io.cwd());
    if (!resolved.ok) {
      const input = given ?? io.cwd();
      if (format === "json") {
        // The list shape carries no problems of its own; a failed lookup adds them (and lists nothing).
        io.out(renderJson({
          report_version: 1,
          format: "amod",
          operation: "list",
          input,
          snapshots: [],
          tree_package: null,
          problems: [resolved.problem],
        }));
      } else io.err(problemLine(resolved.problem, input, io.style) + "\n");
      return isOperational(resolved.problem) ? EXIT.operational : EXIT.invalid;
    }
    const { describeSnapshotList, listSnapshots } = await import("../amod/list.ts");
    const list = await listSnapshots(resolved.root, { limits });
    if (format === "json") io.out(renderJson(list));
    else for (const line of describeSnapshotList(list)) io.out(line + "\n");
    return EXIT.ok;
  },
};
