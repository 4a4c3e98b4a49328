/**
 * What a command needs from the process: output streams, terminal facts, and the exit-code
 * vocabulary shared by every command.
 *
 * @module
 */

import type { Style } from "../report/render.ts";

/** Exit codes of every command (DESIGN.md). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, operational: 3 } as const;

/** Where a command writes. Injected so commands can be run in-process by tests. */
export interface CliIo {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Styling for standard error (colors only on a terminal without `NO_COLOR`). */
  readonly style: Style;
  /** Whether standard error is a terminal (progress display). */
  readonly errIsTerminal: boolean;
  /** Working directory (for resolving relative paths in messages). */
  readonly cwd: () => string;
}

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let at = 0;
  while (at < bytes.length) at += stream.writeSync(bytes.subarray(at));
}

/** The real process streams. */
export function processIo(): CliIo {
  const errIsTerminal = Deno.stderr.isTerminal();
  return {
    out: (t) => writeAll(Deno.stdout, t),
    err: (t) => writeAll(Deno.stderr, t),
    style: { color: errIsTerminal && !Deno.noColor },
    errIsTerminal,
    cwd: () => Deno.cwd(),
  };
}

/** An in-memory {@link CliIo} for tests. */
export function memoryIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    style: { color: false },
    errIsTerminal: false,
    cwd: () => Deno.cwd(),
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
