/**
 * The CLI entry: dispatches to a command, maps failures to exit codes, and never prints a stack
 * trace for a user's mistake or a missing permission.
 *
 * @module
 */

// Deno loads a WebAssembly module from an npm package only as part of the static module graph,
// never through a dynamic import(): the pinned deflate/inflate codec is therefore imported here,
// while the commands themselves are imported lazily.
import "../zip/zlib.ts";
import { UsageError } from "./args.ts";
import type { CommandEntry } from "./command.ts";
import { type CliIo, EXIT } from "./io.ts";
import { VERSION } from "../version.ts";
import { isSystemError } from "../fs/atomic.ts";

/** Every command, in help order. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "export",
    summary: "export a project directory as a .anpkg package",
    load: async () => (await import("./export.ts")).command,
  },
  {
    name: "validate",
    summary: "check a .anpkg or .amod package (or its extracted form)",
    load: async () => (await import("./validate.ts")).command,
  },
  {
    name: "inspect",
    summary: "describe a package without judging it",
    load: async () => (await import("./inspect.ts")).command,
  },
  {
    name: "snapshot",
    summary: "pack a project's .agentmod/ into an .amod snapshot or a tree package for git",
    load: async () => (await import("./snapshot.ts")).command,
  },
  {
    name: "restore",
    summary: "replace a project's .agentmod/ with an .amod snapshot, keeping a backup",
    load: async () => (await import("./restore.ts")).command,
  },
  {
    name: "list",
    summary: "list a project's .amod snapshots, newest first",
    load: async () => (await import("./list.ts")).command,
  },
  {
    name: "deploy",
    summary: "install a validated .anpkg into an install directory with an atomic switch",
    load: async () => (await import("./deploy.ts")).deployCommand,
  },
  {
    name: "rollback",
    summary: "make a kept release of an install directory current again",
    load: async () => (await import("./deploy.ts")).rollbackCommand,
  },
  {
    name: "status",
    summary: "describe an install directory: current, previous and kept releases",
    load: async () => (await import("./deploy.ts")).statusCommand,
  },
  {
    name: "serve",
    summary: "serve the HTTP export and validate routes",
    load: async () => (await import("./serve.ts")).command,
  },
];

/** Top-level help. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `handoff ${VERSION} — produce, check and land .anpkg and .amod handoff packages`,
    "",
    "Usage:",
    "  handoff <command> [options]",
    "  handoff <command> --help",
    "  handoff --version",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Exit codes: 0 ok · 1 invalid input or refused · 2 usage error · 3 operational error",
    "",
  ].join("\n");
}

/** Turns a permission failure into one line naming the missing permission. */
export function permissionMessage(err: Error): string {
  const m = /Requires (\w+) access to ([^,]+), run again with the (--allow-\w+) flag/.exec(err.message);
  if (m) return `missing permission: ${m[1]} access to ${m[2]} (grant it with ${m[3]})`;
  return `missing permission: ${err.message.split("\n")[0]}`;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(mainHelp());
    io.err("handoff: missing command\n");
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(mainHelp());
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    io.out(`handoff ${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`handoff: unknown command "${name}" (see "handoff --help")\n`);
    return EXIT.usage;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`handoff ${name}: ${err.message} (see "handoff ${name} --help")\n`);
      return EXIT.usage;
    }
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      io.err(`handoff ${name}: ${permissionMessage(err)}\n`);
      return EXIT.operational;
    }
    const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    const kind = isSystemError(err) ? "I/O error" : "internal error";
    io.err(`handoff ${name}: ${kind}: ${message}\n`);
    return EXIT.operational;
  }
}
