/**
 * The `.gitignore` step of restore (amod.md §6.10): after a backup was made, make sure
 * `<root>/.gitignore` ignores `.agentmod.backup-*` directories, because an untracked backup makes
 * the worktree dirty and the next `handoff snapshot` would stop at the dirty gate.
 *
 * Existing bytes are never changed (the entry is appended), a missing file is created only in a
 * git repository (an entry named `.git` in the root or an ancestor, found with `lstat`; no git
 * command runs), and every failure is a value the caller prints as a warning.
 *
 * @module
 */

import type { ExclusiveFile, RestoreFs } from "../fs/restore_fs.ts";
import { errorLine } from "../text.ts";

/** The line restore adds: it ignores every backup directory beside `.agentmod`. */
export const BACKUP_IGNORE_ENTRY = ".agentmod.backup-*/";

/** Trimmed lines that already ignore the backups. */
const BACKUP_LINES = new Set([
  ".agentmod.backup-*",
  ".agentmod.backup-*/",
  "/.agentmod.backup-*",
  "/.agentmod.backup-*/",
]);

/** Trimmed lines that ignore `.agentmod/` itself. */
const AGENTMOD_LINES = new Set([".agentmod", ".agentmod/", "/.agentmod", "/.agentmod/"]);

/** What the step did. */
export type GitignoreAction =
  /** The entry was appended to an existing `.gitignore`. */
  | "added"
  /** An existing line already ignores the backups; nothing was written. */
  | "already-covers"
  /** There was no `.gitignore` in a git repository; one was created holding the entry. */
  | "created"
  /** There is no `.gitignore` and no `.git` in the root or above: nothing was done. */
  | "skipped"
  /** Reading or writing failed; see `message`. Nothing else was attempted. */
  | "failed";

/** Outcome of {@link updateGitignore}. */
export interface GitignoreResult {
  /** What was done. */
  readonly action: GitignoreAction;
  /**
   * Whether `.gitignore` ignores `.agentmod/` itself: `false` triggers the note of §6.10; `null`
   * when there is no `.gitignore` afterwards or the step failed.
   */
  readonly agentmodIgnored: boolean | null;
  /** For `failed`: one line saying what went wrong; otherwise `null`. */
  readonly message: string | null;
}

/** The operations the step needs (a subset of the restore file system). */
export type GitignoreFs = Pick<RestoreFs, "lstat" | "readFile" | "append" | "createExclusive" | "removeTree">;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function trimmedLines(text: string): string[] {
  return text.split("\n").map((line) => line.trim());
}

/**
 * True when a line of the text, with surrounding white space removed, is one of the four
 * spellings that ignore the backups (`.agentmod.backup-*` with or without a leading or trailing `/`).
 *
 * @example
 * ```ts
 * import { coversBackups } from "./gitignore.ts";
 * console.assert(coversBackups("node_modules/\n  /.agentmod.backup-*  \n"));
 * console.assert(!coversBackups(".agentmod.backup-2026*\n"));
 * ```
 */
export function coversBackups(text: string): boolean {
  return trimmedLines(text).some((line) => BACKUP_LINES.has(line));
}

/**
 * True when a line of the text, trimmed, ignores `.agentmod` itself (`.agentmod`, `.agentmod/`,
 * `/.agentmod`, `/.agentmod/`).
 *
 * @example
 * ```ts
 * import { ignoresAgentmod } from "./gitignore.ts";
 * console.assert(ignoresAgentmod("/.agentmod/\n"));
 * console.assert(!ignoresAgentmod(".agentmod/*\n"));
 * ```
 */
export function ignoresAgentmod(text: string): boolean {
  return trimmedLines(text).some((line) => AGENTMOD_LINES.has(line));
}

/**
 * The bytes to append to an existing `.gitignore` with content `existing`: the entry and LF,
 * preceded by an LF when the file is non-empty and does not end with one.
 *
 * @example
 * ```ts
 * import { appendedBytes } from "./gitignore.ts";
 * const text = (b: Uint8Array) => new TextDecoder().decode(b);
 * console.assert(text(appendedBytes(new TextEncoder().encode("a"))) === "\n.agentmod.backup-*\/\n");
 * console.assert(text(appendedBytes(new Uint8Array(0))) === ".agentmod.backup-*\/\n");
 * ```
 */
export function appendedBytes(existing: Uint8Array): Uint8Array {
  const needsNewline = existing.length > 0 && existing[existing.length - 1] !== 0x0a;
  return encoder.encode(`${needsNewline ? "\n" : ""}${BACKUP_IGNORE_ENTRY}\n`);
}

function parentOf(dir: string): string | null {
  if (dir === "/" || dir === "") return null;
  const at = dir.lastIndexOf("/");
  return at <= 0 ? "/" : dir.slice(0, at);
}

/** True when `root` or one of its ancestors holds an entry named `.git` (any kind). */
function insideGitRepository(root: string, fs: GitignoreFs): boolean {
  for (let dir: string | null = root; dir !== null; dir = parentOf(dir)) {
    if (fs.lstat(`${dir === "/" ? "" : dir}/.git`) !== null) return true;
  }
  return false;
}

/**
 * Runs the `.gitignore` step of amod.md §6.10 for a project root (absolute, the one restore
 * wrote into). Never throws: a failure becomes `action: "failed"` with a message.
 *
 * @example
 * ```ts
 * import { updateGitignore } from "./gitignore.ts";
 * import { loadRestoreFs } from "../fs/restore_fs.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/.git`);
 * const r = updateGitignore(root, await loadRestoreFs());
 * console.assert(r.action === "created" && r.agentmodIgnored === false);
 * console.assert(await Deno.readTextFile(`${root}/.gitignore`) === ".agentmod.backup-*\/\n");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function updateGitignore(root: string, fs: GitignoreFs): GitignoreResult {
  const path = `${root === "/" ? "" : root}/.gitignore`;
  const failed = (message: string): GitignoreResult => ({ action: "failed", agentmodIgnored: null, message });
  try {
    const info = fs.lstat(path);
    if (info === null) {
      if (!insideGitRepository(root, fs)) return { action: "skipped", agentmodIgnored: null, message: null };
      const bytes = encoder.encode(`${BACKUP_IGNORE_ENTRY}\n`);
      const file: ExclusiveFile = fs.createExclusive(path, 0o644);
      try {
        file.write(bytes);
        file.chmod(0o644);
        file.close();
      } catch (err) {
        // A half-written .gitignore would be worse than none: take the new file away again.
        try {
          file.close();
          fs.removeTree(path);
        } catch {
          // the message below still says the step failed
        }
        throw err;
      }
      return { action: "created", agentmodIgnored: false, message: null };
    }
    if (info.kind !== "file") {
      return failed(
        `"${path}" is a ${
          info.kind === "other" ? "special file" : info.kind
        }, not a regular file; it was left alone`,
      );
    }
    const existing = fs.readFile(path);
    const text = decoder.decode(existing);
    if (coversBackups(text)) {
      return { action: "already-covers", agentmodIgnored: ignoresAgentmod(text), message: null };
    }
    fs.append(path, appendedBytes(existing));
    return { action: "added", agentmodIgnored: ignoresAgentmod(text), message: null };
  } catch (err) {
    return failed(`Cannot update "${path}": ${errorLine(err)}`);
  }
}
