/**
 * `handoff restore <file.amod> [project-root] [--dry-run] [--json] [limits]`: replaces a project's
 * `.agentmod/` with a snapshot's payload, keeping the previous tree as a backup (amod.md §6).
 *
 * The command gathers what the library must not touch itself — the project root, the target's
 * git state (by running `git`), the real clock for the backup name, SIGINT/SIGTERM — and prints
 * the §6.11 output: warnings (validation, git comparison, `.gitignore`) on standard error, the
 * summary and the re-login notice on standard output, or one JSON report with `--json`.
 *
 * @module
 */

import { expectPositionals, flag, type OptionSpec, parseOrHelp, renderHelp } from "./args.ts";
import type { Command } from "./command.ts";
import {
  exitCodeOf,
  formatFrom,
  LIMIT_OPTIONS,
  limitsFrom,
  OUTPUT_OPTIONS,
  type OutputFormat,
  requireGranted,
  requireLinkPermissions,
} from "./common.ts";
import { type CliIo, EXIT } from "./io.ts";
import { NO_PROGRESS, type Progress, startProgress } from "./progress.ts";
import { displayEscape, githubAnnotation, problemLine, renderJson } from "../report/render.ts";
import { type Problem, problem } from "../report/report.ts";
import { AMOD_LIMITS } from "../zip/limits.ts";
import { collectGitState, denoGitRunner, type GitRunner, shortHead } from "../amod/git.ts";
import { absolutePath, resolveProjectRoot } from "../amod/project_root.ts";
import type { RestoreFs } from "../fs/restore_fs.ts";
import type { SnapshotHandle } from "../amod/open.ts";
import type { RestoreReport } from "../amod/restore.ts";
import { BACKUP_IGNORE_ENTRY } from "../amod/gitignore.ts";

const OPTIONS: readonly OptionSpec[] = [
  { name: "dry-run", help: "run every check and show what would happen; change nothing" },
  { name: "quiet", short: "q", help: "no progress display on standard error" },
  ...OUTPUT_OPTIONS,
  ...LIMIT_OPTIONS,
];

const HELP = renderHelp(
  ["handoff restore <file.amod> [project-root] [--dry-run] [--json] [limits]"],
  "Replace the project's agent environment (.agentmod/) with the payload of an .amod snapshot. The\n" +
    "snapshot is validated completely first; the previous .agentmod is kept as\n" +
    ".agentmod.backup-<UTC time> beside it, and any failure while writing rolls back. Nothing from the\n" +
    "snapshot is executed. Without project-root, the nearest directory above the working directory with\n" +
    ".agentmod/agentmod.toml is used; an explicit project-root needs no .agentmod yet.",
  OPTIONS,
  [
    "The target repository's branch, HEAD and origin are compared with the snapshot's (warnings only).",
    "Tree packages (.agentmod-handoff/) are not restored by this command; see their RESTORE.md.",
    "Exit: 0 restored (or dry run) · 1 refused, nothing changed · 2 usage error · 3 operational error (rolled back).",
  ],
);

/** What the command takes from the process; injected by tests. */
export interface RestoreDeps {
  /** Runs `git` (amod.md §4.4, against the target project root). */
  readonly git: GitRunner;
  /** The real clock: it names the backup (`SOURCE_DATE_EPOCH` is ignored, §1.16). */
  readonly now: () => Date;
  /** `Deno.build.os`. */
  readonly os: string;
  /**
   * Starts listening for SIGINT and SIGTERM (during backup and extraction only); returns the
   * function that stops listening.
   */
  readonly onSignal: (handler: () => void) => () => void;
  /** Whether an `agentmod` executable is on `PATH` (§6.12 suggests `agentmod doctor` then). */
  readonly agentmodOnPath: () => boolean;
  /** The restore file system (tests inject faults; default the real one). */
  readonly fs?: RestoreFs;
  /** Wraps the opened snapshot handle (tests inject read faults). */
  readonly wrapHandle?: (handle: SnapshotHandle) => SnapshotHandle;
}

function listenForSignals(handler: () => void): () => void {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const added: Deno.Signal[] = [];
  for (const s of signals) {
    try {
      Deno.addSignalListener(s, handler);
      added.push(s);
    } catch {
      // Not available on this platform or embedding: the restore still rolls back on failures.
    }
  }
  return () => {
    for (const s of added) Deno.removeSignalListener(s, handler);
  };
}

/** True when `PATH` (readable without prompting) holds an executable named `agentmod`. */
function agentmodOnPath(): boolean {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "PATH" }).state !== "granted") return false;
    for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
      if (dir === "") continue;
      try {
        const info = Deno.statSync(`${dir}/agentmod`);
        if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return true;
      } catch {
        // not here, or not readable
      }
    }
  } catch {
    // no permission to ask: say nothing
  }
  return false;
}

/** The real process: `git` on `PATH`, the system clock, signal listeners. */
export function processDeps(): RestoreDeps {
  return {
    git: denoGitRunner,
    now: () => new Date(),
    os: Deno.build.os,
    onSignal: listenForSignals,
    agentmodOnPath,
  };
}

function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function countsText(r: RestoreReport): string {
  const p = r.plan ?? { dirs: 0, files: 0, links: 0 };
  return `${plural(p.dirs, "directory", "directories")}, ${plural(p.files, "file")}, ${
    plural(p.links, "symlink")
  } (${plural(r.bytes ?? 0, "byte")})`;
}

/** The informational git line of §6.4 (warnings cover the other cases), or `null`. */
function gitInfoLine(r: Pick<RestoreReport, "git" | "manifest">): string | null {
  if (r.git?.status === "no-metadata") return "git: the snapshot records no git state; nothing to compare";
  if (r.git?.status !== "matches") return null;
  const g = r.manifest?.git as { branch?: unknown; head?: unknown } | undefined;
  const branch = typeof g?.branch === "string" ? g.branch : "";
  const head = typeof g?.head === "string" ? g.head : undefined;
  const identity = branch !== ""
    ? `branch ${branch} @ ${shortHead(head)}`
    : `detached HEAD @ ${shortHead(head)}`;
  return `git: the repository matches the snapshot (${displayEscape(identity)})`;
}

/** The `.gitignore` lines of §6.11: stdout lines and an optional warning for stderr. */
function gitignoreLines(r: RestoreReport): { out: string[]; warning: string | null } {
  const g = r.gitignore;
  if (g === null) return { out: [], warning: null };
  const out: string[] = [];
  switch (g.result) {
    case "added":
      out.push(`.gitignore: added "${BACKUP_IGNORE_ENTRY}"`);
      break;
    case "already-covers":
      out.push(".gitignore: already covers the backups");
      break;
    case "created":
      out.push(`.gitignore: created with "${BACKUP_IGNORE_ENTRY}"`);
      break;
    case "skipped":
      out.push(".gitignore: skipped (not a git repository)");
      break;
    case "failed":
      return { out, warning: `warning: .gitignore was not updated: ${displayEscape(g.message ?? "")}` };
  }
  if (g.agentmod_ignored === false) out.push("note: .gitignore does not ignore .agentmod/ itself");
  return { out, warning: null };
}

/** The re-login notice of §6.11 and the §6.12 suggestion. */
function loginLines(input: string, os: string, agentmod: boolean): string[] {
  const lines = [
    "login: credentials and auth files never travel in a snapshot; log in again on this machine:",
    "  Claude Code: run `claude` once inside the project to log in",
    "  Codex CLI: run `codex login` inside the project",
    "  OpenCode: log in to your model provider again when it asks",
  ];
  if (os === "darwin") {
    lines.push("  macOS: Claude Code keeps its login in your user Keychain, shared by all projects");
  }
  lines.push(
    "left out: REDACTION.md inside the snapshot lists everything that was not packed; show it with",
    `  handoff inspect ${displayEscape(input)}`,
  );
  if (agentmod) {
    lines.push("next: agentmod is on PATH; run `agentmod doctor` to check the restored environment");
  }
  return lines;
}

/** Builds the command over the given process dependencies. */
export function restoreCommand(deps: RestoreDeps): Command {
  return {
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      const args = parseOrHelp(argv, OPTIONS, HELP, io.out);
      if (args === null) return EXIT.ok;
      expectPositionals(args, 1, 2, "the snapshot file, optionally followed by the project root");
      const format: OutputFormat = formatFrom(args);
      const limits = limitsFrom(args, AMOD_LIMITS);
      const dryRun = flag(args, "dry-run");
      const input = args.positionals[0] as string;
      const text = format !== "json";

      const printed = new Set<Problem>();
      const emit = (p: Problem): void => {
        if (printed.has(p)) return;
        printed.add(p);
        if (format === "github") io.out(`${githubAnnotation(p, input)}\n`);
        else if (format === "text") io.err(`${problemLine(p, input, io.style)}\n`);
      };
      /** A refusal before the library pipeline ran. */
      const early = async (root: string, p: Problem): Promise<number> => {
        const { earlyRestoreReport } = await import("../amod/restore.ts");
        return finish(earlyRestoreReport(input, root, dryRun, [p]));
      };
      const finish = (report: RestoreReport): number => {
        const code = exitCodeOf(report);
        if (!text) {
          io.out(renderJson(report));
          return code;
        }
        for (const p of report.problems) emit(p);
        switch (report.outcome) {
          case "refused":
            io.err("restore refused: nothing was changed\n");
            break;
          case "failed":
            io.err("restore failed: nothing was changed\n");
            break;
          case "rolled-back":
            io.err("restore failed and was rolled back\n");
            break;
          case "partial-left":
          case "backup-not-restored":
            io.err(
              "restore failed and could not be rolled back completely; the message above says where things are\n",
            );
            break;
          case "dry-run":
            printDryRun(report);
            break;
          case "restored":
            printRestored(report);
            break;
        }
        return code;
      };
      const printDryRun = (r: RestoreReport): void => {
        const info = gitInfoLine(r);
        if (info !== null) io.out(`${info}\n`);
        io.out(`dry run: ${displayEscape(input)}\n`);
        io.out(`would extract: ${countsText(r)} into ${displayEscape(r.target)}\n`);
        io.out(
          r.backup === null
            ? `would back up: nothing, ${displayEscape(r.target)} does not exist\n`
            : `would back up: ${displayEscape(r.target)} to ${displayEscape(r.backup)}\n`,
        );
        io.out("dry run: nothing was changed\n");
      };
      const printRestored = (r: RestoreReport): void => {
        io.out(`restored: ${displayEscape(input)}\n`);
        io.out(`extracted: ${countsText(r)} into ${displayEscape(r.target)}\n`);
        io.out(
          r.backup === null
            ? "backup: none (there was no .agentmod before)\n"
            : `backup: the previous environment is at ${
              displayEscape(r.backup)
            }; remove it once the restored one works\n`,
        );
        const g = gitignoreLines(r);
        for (const line of g.out) io.out(`${line}\n`);
        if (g.warning !== null) io.err(`${g.warning}\n`);
        for (const line of loginLines(input, deps.os, deps.agentmodOnPath())) io.out(`${line}\n`);
      };

      const cwd = io.cwd();
      const resolved = await resolveProjectRoot(args.positionals[1], cwd);
      if (!resolved.ok) return await early(absolutePath(args.positionals[1] ?? ".", cwd), resolved.problem);
      const root = resolved.root;
      if (deps.os === "windows") {
        return await early(
          root,
          problem("platform-unsupported", "Restore needs a POSIX file system; Windows is not supported"),
        );
      }

      // .agentmod, its backup and .gitignore are all written in the root: a missing grant is named
      // here rather than reported as a failed, rolled-back move.
      if (!dryRun) requireGranted("write", root);
      const { restoreSnapshot } = await import("../amod/restore.ts");
      const controller = new AbortController();
      let stopListening = (): void => {};
      let progress: Progress = NO_PROGRESS;
      let report: RestoreReport;
      try {
        report = await restoreSnapshot(input, {
          root,
          limits,
          clock: deps.now,
          dryRun,
          targetGit: async () => {
            const c = await collectGitState(root, deps.git);
            return c.ok ? c.state : { unavailable: c.note };
          },
          signal: controller.signal,
          ...(deps.fs !== undefined ? { fs: deps.fs } : {}),
          ...(deps.wrapHandle !== undefined ? { wrapHandle: deps.wrapHandle } : {}),
          onPrepared: (prepared, warnings) => {
            if (prepared.counts.links > 0) {
              requireLinkPermissions("restore creates symbolic links (the snapshot holds some)");
            }
            // Everything is checked; warnings and the git verdict go out before anything moves.
            if (text) {
              for (const p of warnings) emit(p);
              const info = gitInfoLine({
                git: { status: prepared.git.status },
                manifest: prepared.verification.manifestKnown,
              });
              if (info !== null) io.out(`${info}\n`);
              progress = startProgress(io, "restoring", {
                quiet: flag(args, "quiet"),
                totalBytes: prepared.bytes,
              });
            }
            stopListening = deps.onSignal(() => controller.abort());
          },
          onProgress: (members, bytes) => progress.advance(members, bytes),
        });
      } finally {
        stopListening();
        progress.done();
      }
      return finish(report);
    },
  };
}

/** The restore command over the real process. */
export const command: Command = {
  run(argv: readonly string[], io: CliIo): Promise<number> {
    return restoreCommand(processDeps()).run(argv, io);
  },
};
