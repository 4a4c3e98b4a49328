/**
 * Runtime replay (anpkg.md §5): the members are written into a private temporary root and the
 * real runtime's `--check-config` runs there, with a timeout, closed stdin and bounded,
 * scrubbed output. The temporary root is always removed.
 *
 * @module
 */

import { onInterrupt, trackTemp, untrackTemp } from "../fs/atomic.ts";
import { type Problem, problem } from "../report/report.ts";
import type { PackageFacts } from "./checks.ts";
import type { MemberSet } from "./members.ts";

/** How to run the replay. */
export interface ReplayOptions {
  /** Absolute, symlink-resolved path of the runtime binary (see {@link resolveRuntimeBin}). */
  readonly runtimeBin: string;
  /** Seconds before the runtime is killed (default 30). */
  readonly timeoutSeconds?: number;
  /** Most bytes kept of each of stdout and stderr (default 1 MiB). */
  readonly maxOutputBytes?: number;
}

/** The report's `replay` object (§6.3). */
export interface ReplayReport {
  /** Whether `--runtime-bin` was given. */
  readonly requested: boolean;
  /** Whether the runtime was started. */
  readonly ran: boolean;
  /** Why it did not run (`not-requested`, `static-errors`), or `null`. */
  readonly skipped_reason: "not-requested" | "static-errors" | null;
  /** The runtime's exit status, or `null` (not run, or killed by a signal). */
  readonly exit_code: number | null;
  /** The signal that ended the runtime, or `null`. */
  readonly signal: string | null;
  /** Whether the runtime was killed after `--replay-timeout`. */
  readonly timed_out: boolean;
  /** Wall time of the run in milliseconds, or `null`. */
  readonly duration_ms: number | null;
  /** Captured standard output (scrubbed, possibly truncated), or `null`. */
  readonly stdout: string | null;
  /** Captured standard error (scrubbed, possibly truncated), or `null`. */
  readonly stderr: string | null;
  /** Whether either output exceeded the capture limit. */
  readonly output_truncated: boolean;
}

const IDLE: ReplayReport = {
  requested: false,
  ran: false,
  skipped_reason: "not-requested",
  exit_code: null,
  signal: null,
  timed_out: false,
  duration_ms: null,
  stdout: null,
  stderr: null,
  output_truncated: false,
};

/** Replay was not requested. */
export const NOT_REQUESTED: ReplayReport = IDLE;
/** Replay was requested but skipped because stages A–G found errors. */
export const SKIPPED_STATIC: ReplayReport = { ...IDLE, requested: true, skipped_reason: "static-errors" };

/**
 * Checks `--runtime-bin` before validation starts (§5 step 1): made absolute with symlinks
 * resolved; it must be a regular file executable by the current user. Returns the resolved path,
 * or a reason for the usage error.
 */
export async function resolveRuntimeBin(path: string): Promise<{ path: string } | { error: string }> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (err) {
    // A missing permission is the caller's to report (exit 3), not a missing binary.
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) throw err;
    return { error: `Runtime binary "${path}" does not exist` };
  }
  const info = await Deno.stat(real);
  if (!info.isFile) return { error: `Runtime binary "${path}" is not a regular file` };
  if (Deno.build.os !== "windows" && !executableByMe(info)) {
    return { error: `Runtime binary "${path}" is not executable` };
  }
  return { path: real };
}

function executableByMe(info: Deno.FileInfo): boolean {
  const mode = info.mode ?? 0;
  const uid = Deno.uid();
  if (uid === 0) return (mode & 0o111) !== 0;
  if (uid === info.uid) return (mode & 0o100) !== 0;
  if (Deno.gid() === info.gid) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const out = new Uint8Array(limit);
  let used = 0;
  let truncated = false;
  for await (const chunk of stream) {
    const room = limit - used;
    if (chunk.length > room) truncated = true;
    const take = Math.min(room, chunk.length);
    out.set(chunk.subarray(0, take), used);
    used += take;
  }
  return { bytes: out.subarray(0, used), truncated };
}

async function writeMembers(set: MemberSet, root: string): Promise<void> {
  const made = new Set<string>();
  for (const name of set.members.keys()) {
    const slash = name.lastIndexOf("/");
    if (slash > 0) {
      const dir = name.slice(0, slash);
      if (!made.has(dir)) {
        await Deno.mkdir(`${root}/${dir}`, { recursive: true, mode: 0o700 });
        made.add(dir);
      }
    }
    const file = await Deno.open(`${root}/${name}`, { write: true, createNew: true, mode: 0o644 });
    try {
      await set.stream(name, async (chunk) => {
        let at = 0;
        while (at < chunk.length) at += await file.write(chunk.subarray(at));
      });
    } finally {
      file.close();
    }
  }
}

/** Runs the replay over a statically valid member set. */
export async function runReplay(
  set: MemberSet,
  facts: PackageFacts,
  options: ReplayOptions,
): Promise<{ report: ReplayReport; problems: Problem[] }> {
  const manual = facts.manual ?? "runtime/anolis-runtime.yaml";
  const limit = options.maxOutputBytes ?? 1024 * 1024;
  const root = await Deno.makeTempDir({ prefix: "handoff-replay-" });
  trackTemp(root);
  const scrubTargets = [root];
  try {
    const real = await Deno.realPath(root);
    if (real !== root) scrubTargets.push(real);
    await writeMembers(set, root);
    const started = performance.now();
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(options.runtimeBin, {
        args: ["--check-config", manual],
        cwd: root,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        // Its own process group, so that the timeout also kills what it started (a shell
        // script's children would otherwise keep the output pipes open until they end).
        detached: Deno.build.os !== "windows",
      }).spawn();
    } catch (err) {
      // Deno's message names the binary's absolute path; messages name no paths but the input.
      const reason = (err as Error).message.replace(/^Failed to spawn '.*?': /, "");
      const message = `The runtime could not be started: ${reason}`;
      return {
        report: { ...IDLE, requested: true, skipped_reason: null },
        problems: [problem("replay-spawn-failed", scrub(message, scrubTargets))],
      };
    }
    const killGroup = () => {
      try {
        if (Deno.build.os === "windows") child.kill("SIGKILL");
        else Deno.kill(-child.pid, "SIGKILL");
      } catch {
        // already exited
      }
    };
    // Being in its own group, the runtime does not see a Ctrl-C aimed at us: stop it ourselves.
    const forget = onInterrupt(killGroup);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, (options.timeoutSeconds ?? 30) * 1000);
    const [out, err, status] = await Promise.all([
      collect(child.stdout, limit),
      collect(child.stderr, limit),
      child.status,
    ]).finally(() => {
      clearTimeout(timer);
      forget();
    });
    const decoder = new TextDecoder();
    const stdout = scrub(decoder.decode(out.bytes), scrubTargets);
    const stderr = scrub(decoder.decode(err.bytes), scrubTargets);
    const report: ReplayReport = {
      requested: true,
      ran: true,
      skipped_reason: null,
      exit_code: status.signal === null ? status.code : null,
      signal: status.signal,
      timed_out: timedOut,
      duration_ms: Math.round(performance.now() - started),
      stdout,
      stderr,
      output_truncated: out.truncated || err.truncated,
    };
    const problems: Problem[] = [];
    if (timedOut) {
      problems.push(
        problem(
          "replay-timeout",
          `The runtime did not finish within ${options.timeoutSeconds ?? 30} s and was killed`,
        ),
      );
    } else if (status.signal !== null) {
      problems.push(problem("replay-failed", `The runtime's --check-config failed: signal ${status.signal}`));
    } else if (status.code !== 0) {
      const detail = stderr.trim() || stdout.trim() || `exit ${status.code}`;
      problems.push(problem("replay-failed", `The runtime's --check-config failed: ${detail}`));
    }
    return { report, problems };
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    untrackTemp(root);
  }
}

function scrub(text: string, roots: readonly string[]): string {
  let out = text;
  for (const r of roots) out = out.split(r).join("<package>");
  return out;
}
