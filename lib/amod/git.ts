/**
 * Git state of a project (amod.md §4.4, §6.4): the manifest's `git` object, how the CLI collects
 * it by running `git`, the credential redaction of the `origin` URL, and the restore-time
 * comparison with the target repository.
 *
 * The collector takes the command runner as a parameter so that everything except
 * {@link denoGitRunner} is pure and testable without git; the library itself never starts a
 * process and only ever receives a {@link GitState}.
 *
 * @module
 */

import { type Problem, problem } from "../report/report.ts";

/**
 * The manifest's `git` object (amod.md §1.10). Field names are the document's own, so the value
 * renders and parses without a mapping. Optional fields are absent when empty.
 */
export interface GitState {
  /** Current branch short name; absent on a detached HEAD. */
  readonly branch?: string;
  /** Full commit id; absent before the first commit. */
  readonly head?: string;
  /** Any staged, modified or untracked path. */
  readonly dirty: boolean;
  /** `clean`, or the non-zero counts as `N staged, N modified, N untracked`. */
  readonly status_summary: string;
  /** `origin` URL with credentials removed; absent without an `origin` remote. */
  readonly remote_url?: string;
  /** Always `false` in schema 1. */
  readonly source_included: boolean;
}

/** Counts of `git status --porcelain` output. */
export interface PorcelainStatus {
  /** Paths with a change in the index. */
  readonly staged: number;
  /** Paths with a change in the work tree. */
  readonly modified: number;
  /** Untracked paths. */
  readonly untracked: number;
  /** `clean` or the non-zero counts joined by `, `. */
  readonly summary: string;
  /** True unless all three counts are zero. */
  readonly dirty: boolean;
}

/**
 * Counts `git status --porcelain` output (amod.md §4.4 step 5): on the untrimmed output split at
 * LF, every line of at least two characters counts — `?` first is one untracked path, otherwise a
 * non-space first character is one staged and a non-space second character one modified path
 * (a conflicted `UU` counts as both).
 *
 * @example
 * ```ts
 * import { parsePorcelainStatus } from "./git.ts";
 * const s = parsePorcelainStatus("M  a\n M b\nUU c\n?? d\n");
 * console.assert(s.summary === "2 staged, 2 modified, 1 untracked" && s.dirty);
 * console.assert(parsePorcelainStatus("").summary === "clean");
 * ```
 */
export function parsePorcelainStatus(output: string): PorcelainStatus {
  let staged = 0;
  let modified = 0;
  let untracked = 0;
  for (const line of output.split("\n")) {
    if (line.length < 2) continue;
    const x = line[0];
    const y = line[1];
    if (x === "?") {
      untracked++;
      continue;
    }
    if (x !== " ") staged++;
    if (y !== " ") modified++;
  }
  const parts: string[] = [];
  if (staged > 0) parts.push(`${staged} staged`);
  if (modified > 0) parts.push(`${modified} modified`);
  if (untracked > 0) parts.push(`${untracked} untracked`);
  const dirty = parts.length > 0;
  return { staged, modified, untracked, summary: dirty ? parts.join(", ") : "clean", dirty };
}

/**
 * Removes credentials from a remote URL (amod.md §4.4): for a URL with `://`, everything from the
 * start of the authority through its last `@` is dropped; anything else (scp-like `git@host:x`,
 * local paths) is returned unchanged, as are paths and queries.
 *
 * @example
 * ```ts
 * import { redactRemoteUrl } from "./git.ts";
 * console.assert(redactRemoteUrl("https://user:tok@github.com/o/r.git") === "https://github.com/o/r.git");
 * console.assert(redactRemoteUrl("git@github.com:o/r.git") === "git@github.com:o/r.git");
 * ```
 */
export function redactRemoteUrl(url: string): string {
  const scheme = url.indexOf("://");
  if (scheme < 0) return url;
  const start = scheme + 3;
  const slash = url.indexOf("/", start);
  const end = slash < 0 ? url.length : slash;
  const at = url.lastIndexOf("@", end - 1);
  if (at < start) return url;
  return url.slice(0, start) + url.slice(at + 1);
}

/** Result of one `git` invocation: its exit code and standard output, or why it did not start. */
export type GitRunResult =
  | { readonly code: number; readonly stdout: string; readonly stderr?: string }
  | { readonly spawnError: string };

/**
 * Runs `git` with the given arguments (everything after the program name) and captures standard
 * output. It must never throw for a failing command; a process that cannot be started is
 * reported as `spawnError`.
 */
export type GitRunner = (args: readonly string[]) => Promise<GitRunResult>;

/** Why no git state was collected. */
export type GitUnavailableReason = "git-not-runnable" | "not-a-repository" | "status-failed";

/** Outcome of {@link collectGitState}. */
export type GitCollection =
  | { readonly ok: true; readonly state: GitState }
  | { readonly ok: false; readonly reason: GitUnavailableReason; readonly note: string };

function trimmed(r: GitRunResult): string | null {
  return "spawnError" in r || r.code !== 0 ? null : r.stdout.trim();
}

function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n")[0]?.trim() ?? "";
}

/**
 * Collects the git state of a project root with the procedure of amod.md §4.4, running every
 * command as `git -C <root> …` through `run`. Without state, `note` says why in our words (the
 * CLI prints it as `metadata omitted (<note>)`).
 *
 * @example
 * ```ts
 * import { collectGitState } from "./git.ts";
 * const none = await collectGitState("/p", () => Promise.resolve({ spawnError: "not found" }));
 * console.assert(!none.ok && none.reason === "git-not-runnable");
 * ```
 */
export async function collectGitState(root: string, run: GitRunner): Promise<GitCollection> {
  const git = (...args: string[]): Promise<GitRunResult> => run(["-C", root, ...args]);
  const notRunnable = (r: { spawnError: string }): GitCollection => ({
    ok: false,
    reason: "git-not-runnable",
    note: `git could not be started: ${r.spawnError}`,
  });

  const inside = await git("rev-parse", "--is-inside-work-tree");
  if ("spawnError" in inside) return notRunnable(inside);
  if (trimmed(inside) !== "true") {
    return { ok: false, reason: "not-a-repository", note: "the project is not inside a git work tree" };
  }
  const branchRun = await git("symbolic-ref", "--short", "-q", "HEAD");
  if ("spawnError" in branchRun) return notRunnable(branchRun);
  const headRun = await git("rev-parse", "--verify", "-q", "HEAD");
  if ("spawnError" in headRun) return notRunnable(headRun);
  const statusRun = await git("-c", "status.showUntrackedFiles=normal", "status", "--porcelain");
  if ("spawnError" in statusRun) return notRunnable(statusRun);
  if (statusRun.code !== 0) {
    const detail = firstLine(statusRun.stderr);
    return {
      ok: false,
      reason: "status-failed",
      note: `git status failed with exit code ${statusRun.code}${detail === "" ? "" : `: ${detail}`}`,
    };
  }
  const remoteRun = await git("remote", "get-url", "origin");
  if ("spawnError" in remoteRun) return notRunnable(remoteRun);

  const status = parsePorcelainStatus(statusRun.stdout);
  const branch = trimmed(branchRun) ?? "";
  const head = trimmed(headRun) ?? "";
  const remote = trimmed(remoteRun);
  const state: GitState = {
    ...(branch !== "" ? { branch } : {}),
    ...(head !== "" ? { head } : {}),
    dirty: status.dirty,
    status_summary: status.summary,
    ...(remote !== null && remote !== "" ? { remote_url: redactRemoteUrl(remote) } : {}),
    source_included: false,
  };
  return { ok: true, state };
}

/**
 * A {@link GitRunner} that runs the `git` on `PATH` with `GIT_TERMINAL_PROMPT=0` and
 * `GIT_OPTIONAL_LOCKS=0` added to the inherited environment, standard input closed and both
 * output streams captured. A missing binary or a missing `--allow-run` permission becomes
 * `spawnError`.
 *
 * @example
 * ```ts ignore
 * import { collectGitState, denoGitRunner } from "./git.ts";
 * const state = await collectGitState(Deno.cwd(), denoGitRunner);
 * ```
 */
export async function denoGitRunner(args: readonly string[]): Promise<GitRunResult> {
  try {
    const out = await new Deno.Command("git", {
      args: [...args],
      env: { GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  } catch (e: unknown) {
    return { spawnError: e instanceof Error ? e.message : String(e) };
  }
}

/** How the target repository relates to the snapshot's recorded state (amod.md §6.4). */
export type GitComparisonStatus = "no-metadata" | "unavailable" | "matches" | "differs";

/** Outcome of {@link compareGitState}. */
export interface GitComparison {
  /** The overall verdict. */
  readonly status: GitComparisonStatus;
  /** Warnings in the order of amod.md §6.4; empty for `no-metadata` and `matches`. */
  readonly problems: readonly Problem[];
}

/** A target whose git state could not be collected, with the reason. */
export interface GitTargetUnavailable {
  /** Why no state could be collected (the collector's note). */
  readonly unavailable: string;
}

/** The first 12 characters of a commit id, as restore shows it. */
export function shortHead(head: string | undefined): string {
  return head === undefined || head === "" ? "(no commits yet)" : head.slice(0, 12);
}

function shown(value: string | undefined, none: string): string {
  return value === undefined || value === "" ? none : `"${value}"`;
}

/**
 * Compares the manifest's `git` object with the target repository's state (amod.md §6.4). The
 * warnings never block a restore.
 *
 * @param recorded the manifest's `git` object, or `undefined` when the manifest has none
 * @param target the state collected at the target, or why it could not be collected
 *
 * @example
 * ```ts
 * import { compareGitState } from "./git.ts";
 * const rec = { branch: "main", head: "0123456789abcdef0123456789abcdef01234567", dirty: false, status_summary: "clean", source_included: false };
 * const r = compareGitState(rec, { ...rec, branch: "dev" });
 * console.assert(r.status === "differs" && r.problems[0]?.code === "git-branch-differs");
 * ```
 */
export function compareGitState(
  recorded: GitState | undefined,
  target: GitState | GitTargetUnavailable,
): GitComparison {
  if (recorded === undefined) return { status: "no-metadata", problems: [] };
  if ("unavailable" in target) {
    return {
      status: "unavailable",
      problems: [
        problem(
          "git-target-unavailable",
          `The snapshot records git state but none could be read here: ${target.unavailable}`,
        ),
      ],
    };
  }
  const problems: Problem[] = [];
  if ((recorded.branch ?? "") !== (target.branch ?? "")) {
    problems.push(problem(
      "git-branch-differs",
      `Snapshot was taken on branch ${shown(recorded.branch, "(detached HEAD)")}, target is on ${
        shown(target.branch, "(detached HEAD)")
      }`,
    ));
  }
  if (recorded.head !== undefined && recorded.head !== "" && recorded.head !== target.head) {
    problems.push(problem(
      "git-head-differs",
      `Snapshot was taken at commit "${shortHead(recorded.head)}", target HEAD is ${
        target.head === undefined || target.head === "" ? "(no commits yet)" : `"${shortHead(target.head)}"`
      }`,
    ));
  }
  if ((recorded.remote_url ?? "") !== (target.remote_url ?? "")) {
    problems.push(problem(
      "git-remote-differs",
      `Snapshot origin is ${shown(recorded.remote_url, "(none)")}, target origin is ${
        shown(target.remote_url, "(none)")
      }`,
    ));
  }
  return { status: problems.length === 0 ? "matches" : "differs", problems };
}
