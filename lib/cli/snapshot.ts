/**
 * `handoff snapshot [project-root] [-o PATH] [--allow-findings] [--allow-dirty] [--for-git] [limits]`:
 * packs a project's `.agentmod/` into an `.amod` file or the tree package `.agentmod-handoff/`
 * (amod.md §4). The command gathers what the library must not touch itself — `SOURCE_DATE_EPOCH`,
 * the git state (by running `git`), the platform and the tool version — applies the dirty-worktree
 * gate, shows progress on a terminal and prints the summary of §4.12.
 *
 * @module
 */

import {
  expectPositionals,
  flag,
  type OptionSpec,
  parseOrHelp,
  renderHelp,
  stringOption,
  UsageError,
} from "./args.ts";
import type { Command } from "./command.ts";
import { exitCodeOf, LIMIT_OPTIONS, limitsFrom, requireGranted, requireLinkPermissions } from "./common.ts";
import { type CliIo, EXIT } from "./io.ts";
import { NO_PROGRESS, type Progress, startProgress } from "./progress.ts";
import { displayEscape, problemLine } from "../report/render.ts";
import { type Problem, problem } from "../report/report.ts";
import { AMOD_LIMITS } from "../zip/limits.ts";
import { VERSION } from "../version.ts";
import { parseSourceDateEpoch } from "../amod/clock.ts";
import {
  collectGitState,
  denoGitRunner,
  type GitCollection,
  type GitRunner,
  shortHead,
} from "../amod/git.ts";
import { hostPlatform } from "../amod/platform.ts";
import { absolutePath, resolveProjectRoot } from "../amod/project_root.ts";
import type { SnapshotOutcome, SnapshotSummary } from "../amod/snapshot.ts";
import type { SnapshotPlan, SnapshotProgress } from "../amod/walk.ts";

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "output",
    short: "o",
    value: "PATH",
    help: "where to write the .amod (default: .agentmod/snapshots/<project>-<UTC time>.amod)",
  },
  { name: "for-git", help: "write the tree package <project>/.agentmod-handoff/ for committing instead" },
  {
    name: "allow-findings",
    help: "pack files with hard secret findings (private keys) anyway; not with --for-git",
  },
  { name: "allow-dirty", help: "snapshot even when the git worktree has uncommitted changes" },
  { name: "quiet", short: "q", help: "no progress display on standard error" },
  ...LIMIT_OPTIONS,
];

const HELP = renderHelp(
  [
    "handoff snapshot [project-root] [-o PATH | --output PATH] [--allow-findings] [--allow-dirty] [limits]",
    "handoff snapshot [project-root] --for-git [--allow-dirty] [limits]",
  ],
  "Pack the project's agent environment (.agentmod/) into an .amod snapshot, or into the tree package\n" +
    ".agentmod-handoff/ that can be committed (--for-git). Credentials, .env files, keys, caches and\n" +
    "dependency trees are left out and listed in REDACTION.md; packed files are scanned for secrets.\n" +
    "Without project-root, the nearest directory above the working directory with .agentmod/agentmod.toml\n" +
    "is used.",
  OPTIONS,
  [
    "SOURCE_DATE_EPOCH (seconds, 315532800-4294967295) fixes the snapshot time for reproducible output; it is",
    "read only when the environment permission is granted (deno: --allow-env=SOURCE_DATE_EPOCH).",
    "Limits default to 100000 members, 4G bytes and ratio 200; a snapshot made with raised limits needs the",
    "same flags to be validated or restored.",
    "Exit: 0 written · 1 refused, nothing written · 2 usage error · 3 operational error.",
  ],
);

/** What the command takes from the process; injected by tests. */
export interface SnapshotDeps {
  /** Reads an environment variable (only `SOURCE_DATE_EPOCH` is asked for). */
  readonly env: (name: string) => string | undefined;
  /** Runs `git` (amod.md §4.4). */
  readonly git: GitRunner;
  /** The system clock, used when `SOURCE_DATE_EPOCH` is unset. */
  readonly now: () => Date;
  /** `Deno.build.os`. */
  readonly os: string;
  /** The platform string recorded in the manifest. */
  readonly platform: string;
  /** The tool version recorded in the manifest. */
  readonly toolVersion: string;
  /** Test hook passed to the library between its plan and write phases. */
  readonly afterPlan?: () => void | Promise<void>;
}

/** Reads `SOURCE_DATE_EPOCH` when the environment permission is granted (never prompts). */
function processEnv(name: string): string | undefined {
  const status = Deno.permissions.querySync({ name: "env", variable: name });
  return status.state === "granted" ? Deno.env.get(name) : undefined;
}

/** The real process: environment, `git` on `PATH`, system clock, host platform, `handoff/<version>`. */
export function processDeps(): SnapshotDeps {
  return {
    env: processEnv,
    git: denoGitRunner,
    now: () => new Date(),
    os: Deno.build.os,
    platform: hostPlatform(),
    toolVersion: `handoff/${VERSION}`,
  };
}

/**
 * Shows the library's progress with the shared progress line: "planning" while the walk runs,
 * then "packing" with the planned bytes as total. The library reports running totals; the line
 * takes increments.
 */
class SnapshotProgressView {
  readonly #io: CliIo;
  #phase: SnapshotProgress["phase"] | null = null;
  #line: Progress = NO_PROGRESS;
  #members = 0;
  #bytes = 0;

  constructor(io: CliIo) {
    this.#io = io;
  }

  update(p: SnapshotProgress): void {
    if (p.phase !== this.#phase) {
      this.#line.done();
      this.#phase = p.phase;
      this.#line = startProgress(this.#io, p.phase === "plan" ? "planning" : "packing", {
        ...(p.totalBytes !== undefined && p.totalBytes > 0 ? { totalBytes: p.totalBytes } : {}),
      });
      this.#members = 0;
      this.#bytes = 0;
    }
    this.#line.advance(p.members - this.#members, p.bytes - this.#bytes);
    this.#members = p.members;
    this.#bytes = p.bytes;
  }

  done(): void {
    this.#line.done();
  }
}

function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The git line of the summary (amod.md §4.12). */
function gitLine(git: GitCollection, allowDirty: boolean): string {
  if (!git.ok) return `git: metadata omitted (${displayEscape(git.note)})`;
  const s = git.state;
  const identity = s.branch !== undefined && s.branch !== ""
    ? `branch ${displayEscape(s.branch)} @ ${shortHead(s.head)}`
    : `detached HEAD @ ${shortHead(s.head)}`;
  const remote = s.remote_url !== undefined && s.remote_url !== ""
    ? `, remote ${displayEscape(s.remote_url)}`
    : "";
  if (s.dirty) {
    return `git: ${identity}, DIRTY (${s.status_summary}) — packed anyway${
      allowDirty ? " (--allow-dirty)" : ""
    }${remote}`;
  }
  return `git: ${identity}, clean${remote}`;
}

/** The summary printed on success (amod.md §4.12). */
function summaryLines(s: SnapshotSummary, git: GitCollection, allowDirty: boolean): string[] {
  const out = displayEscape(s.output);
  const lines = [
    `${s.form === "tree" ? "tree package" : "snapshot"}: ${out}`,
    `payload: ${plural(s.files, "file")}, ${plural(s.bytes, "byte")}`,
    gitLine(git, allowDirty),
    `excluded: ${s.excluded.length === 0 ? "nothing" : String(s.excluded.length)}`,
  ];
  for (const x of s.excluded) lines.push(`  ${displayEscape(x.path)} (${x.rule})`);
  lines.push(`secret scan: ${s.findings.length === 0 ? "clean" : plural(s.findings.length, "finding")}`);
  for (const f of s.findings) {
    const hard = f.hard ? " — HARD finding, packed because --allow-findings was given" : "";
    lines.push(`  ${displayEscape(f.path)} line ${f.line} (${f.pattern})${hard}`);
  }
  lines.push(`  binary files not scanned: ${s.binarySkipped}`);
  if (s.form === "tree") {
    lines.push(
      "next: committing .agentmod-handoff/ publishes it with the repository; until it is committed it keeps",
      "      the worktree dirty. Check it with: handoff validate .agentmod-handoff",
    );
  } else {
    lines.push(`next: check it with "handoff validate ${out}", restore it with "handoff restore ${out}"`);
  }
  return lines;
}

function printRefusal(
  problems: readonly Problem[],
  advice: string | undefined,
  input: string,
  io: CliIo,
): number {
  for (const p of problems) io.err(problemLine(p, input, io.style) + "\n");
  if (advice !== undefined) io.err(`${advice}\n`);
  const code = exitCodeOf({ problems, valid: false });
  io.err(
    code === EXIT.operational
      ? "snapshot failed: nothing was written\n"
      : "snapshot refused: nothing was written\n",
  );
  return code;
}

/** Builds the command over the given process dependencies. */
export function snapshotCommand(deps: SnapshotDeps): Command {
  return {
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      // §4.1: every usage check, in order, before any file system access.
      const args = parseOrHelp(argv, OPTIONS, HELP, io.out);
      if (args === null) return EXIT.ok;
      expectPositionals(args, 0, 1, "the project root");
      const forGit = flag(args, "for-git");
      const output = stringOption(args, "output");
      const allowFindings = flag(args, "allow-findings");
      if (forGit && output !== undefined) {
        throw new UsageError("--for-git writes to <project>/.agentmod-handoff/ and takes no -o/--output");
      }
      if (forGit && allowFindings) {
        throw new UsageError(
          "--allow-findings is not available with --for-git: a committed package is published with the repository",
        );
      }
      if (output !== undefined && !output.slice(output.lastIndexOf("/") + 1).endsWith(".amod")) {
        throw new UsageError(`The output file name must end in .amod, got "${output}"`);
      }
      const limits = limitsFrom(args, AMOD_LIMITS);
      const epochText = deps.env("SOURCE_DATE_EPOCH");
      let clock = deps.now;
      if (epochText !== undefined) {
        const seconds = parseSourceDateEpoch(epochText);
        if (seconds === null) {
          throw new UsageError(
            `SOURCE_DATE_EPOCH must be whole seconds from 315532800 to 4294967295, got "${epochText}"`,
          );
        }
        clock = () => new Date(seconds * 1000);
      }

      const cwd = io.cwd();
      const resolved = await resolveProjectRoot(args.positionals[0], cwd);
      if (!resolved.ok) return printRefusal([resolved.problem], undefined, cwd, io);
      const root = resolved.root;
      if (deps.os === "windows") {
        return printRefusal(
          [problem("platform-unsupported", "Snapshots need a POSIX file system; Windows is not supported")],
          undefined,
          root,
          io,
        );
      }
      // The tree package is built beside its target, in a uniquely named directory of the root.
      if (forGit) requireGranted("write", root);
      const git = await collectGitState(root, deps.git);
      const allowDirty = flag(args, "allow-dirty");
      if (git.ok && git.state.dirty && !allowDirty) {
        return printRefusal(
          [problem(
            "worktree-dirty",
            `The git worktree has uncommitted changes (${git.state.status_summary}); a snapshot carries none of them`,
            { member: root },
          )],
          "Commit or stash the changes first, or run again with --allow-dirty.",
          root,
          io,
        );
      }

      const progress = io.errIsTerminal && !flag(args, "quiet") ? new SnapshotProgressView(io) : null;
      const common = {
        root,
        clock,
        toolVersion: deps.toolVersion,
        platform: deps.platform,
        ...(git.ok ? { git: git.state } : {}),
        limits,
        ...(progress !== null ? { onProgress: (p: SnapshotProgress) => progress.update(p) } : {}),
        afterPlan: async (plan: SnapshotPlan): Promise<void> => {
          // A tree package re-creates the environment's links; with path-scoped grants the first
          // one would fail after the walk. An .amod stores links as members and needs no such grant.
          if (forGit && plan.entries.some((e) => e.kind === "symlink")) {
            requireLinkPermissions("snapshot --for-git creates symbolic links (the environment has some)");
          }
          await deps.afterPlan?.();
        },
      };
      let outcome: SnapshotOutcome;
      try {
        if (forGit) {
          const { createTreePackage } = await import("../amod/tree.ts");
          outcome = await createTreePackage(common);
        } else {
          const { createSnapshot } = await import("../amod/snapshot.ts");
          outcome = await createSnapshot({
            ...common,
            ...(output !== undefined ? { output: absolutePath(output, cwd) } : {}),
            allowFindings,
          });
        }
      } finally {
        progress?.done();
      }
      if (!outcome.ok) return printRefusal(outcome.problems, outcome.advice, root, io);
      for (const line of summaryLines(outcome.snapshot, git, allowDirty)) io.out(`${line}\n`);
      return EXIT.ok;
    },
  };
}

/** The snapshot command over the real process. */
export const command: Command = {
  run(argv: readonly string[], io: CliIo): Promise<number> {
    return snapshotCommand(processDeps()).run(argv, io);
  },
};
