/**
 * The shape of one CLI command and the registry of all commands. Command modules are imported
 * lazily so that start-up only pays for the command that runs.
 *
 * @module
 */

import type { CliIo } from "./io.ts";

/** One command: parses its own arguments, calls the library, renders, returns an exit code. */
export interface Command {
  /** Runs the command with its arguments (after the command name). */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** A registry row: name, one-line summary and a loader. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
}
