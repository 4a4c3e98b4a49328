/**
 * Progress for long work: one line on standard error, rewritten in place at most ten times a
 * second, showing members and bytes done and the rate, and cleared when the work ends. Shown only
 * when standard error is a terminal and `--quiet` was not given; otherwise every call is a no-op.
 *
 * @module
 */

import type { CliIo } from "./io.ts";

/** A progress line. */
export interface Progress {
  /** Adds finished members and bytes. */
  advance(members: number, bytes: number): void;
  /** Clears the line (call once, at the end, success or not). */
  done(): void;
}

/** A progress line that shows nothing. */
export const NO_PROGRESS: Progress = { advance() {}, done() {} };

/** Formats a byte count with a binary unit (`1.5 MiB`). */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * Starts a progress line for `label` when `io` writes to a terminal and `quiet` is false.
 * `members: false` leaves the member count out (for work that only sees bytes). `now` is
 * injectable for tests.
 */
export function startProgress(
  io: CliIo,
  label: string,
  options: { quiet?: boolean; totalBytes?: number; members?: boolean; now?: () => number; force?: boolean } =
    {},
): Progress {
  if (options.quiet || !(io.errIsTerminal || options.force)) return NO_PROGRESS;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let last = -Infinity;
  let members = 0;
  let bytes = 0;
  let shown = false;
  const render = () => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const total = options.totalBytes ? ` of ${formatBytes(options.totalBytes)}` : "";
    io.err(
      `\r\x1b[2K${label}: ${options.members === false ? "" : `${members} members, `}${
        formatBytes(bytes)
      }${total}, ${formatBytes(bytes / seconds)}/s`,
    );
    shown = true;
  };
  return {
    advance(m: number, b: number): void {
      members += m;
      bytes += b;
      const t = now();
      if (t - last >= 100) {
        last = t;
        render();
      }
    },
    done(): void {
      if (shown) io.err("\r\x1b[2K");
    },
  };
}
