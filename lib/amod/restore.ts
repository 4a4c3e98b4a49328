/**
 * Restoring an `.amod` snapshot (amod.md §6): open → verify → plan → backup → extract → finish.
 * Nothing on disk changes before every check has passed, every write lands inside a fresh
 * `<root>/.agentmod` (plus the backup rename and `.gitignore`), and a failure after the backup is
 * undone by removing the partial tree and renaming the backup back.
 *
 * - {@link prepareRestore} runs steps 4–6 of §6.2 over an opened snapshot: all four validation
 *   phases, the git comparison (§6.4) with a target state the caller collects, and the target
 *   check (§6.5). It changes nothing.
 * - {@link applyRestore} runs steps 8–10: the backup rename, extraction (§6.6: directories, files,
 *   links, the standard layout of §6.7, the post-checks of §6.8, directory modes), rollback on any
 *   failure or interruption (§6.9), and the `.gitignore` step (§6.10).
 * - {@link restoreSnapshot} is the whole pipeline from a path to the report object the CLI prints.
 *
 * Every member is read through the one handle opened at the start, so an `.amod` that lives inside
 * the `.agentmod` being moved aside still restores (§6.5). Each written file's byte count and
 * SHA-256 must equal the inventory, which catches an archive changed after validation. File system
 * operations go through an injected {@link RestoreFs}; the clock and the target's git state are
 * injected too. The library never prints, never reads the environment and never starts processes.
 *
 * @module
 */

import { type EntryStat, type ExclusiveFile, loadRestoreFs, type RestoreFs } from "../fs/restore_fs.ts";
import { isOperational, type Problem, problem, type ReportCore, reportCore } from "../report/report.ts";
import type { ZipLimits } from "../zip/limits.ts";
import { epochSeconds, formatCompactStamp } from "./clock.ts";
import {
  compareGitState,
  type GitComparison,
  type GitComparisonStatus,
  type GitState,
  type GitTargetUnavailable,
} from "./git.ts";
import { type GitignoreResult, updateGitignore } from "./gitignore.ts";
import {
  DENO_SNAPSHOT_FS,
  isReadFailure,
  openSnapshot,
  type ReadOutcome,
  type SnapshotEntry,
  type SnapshotFs,
  type SnapshotHandle,
  type SnapshotInputKind,
} from "./open.ts";
import {
  type PlanCounts,
  planCounts,
  type PlanEntry,
  type RestorePlan,
  type Verification,
  verifySnapshot,
} from "./verify.ts";
import { errorLine } from "../text.ts";

/** The directories every restored `.agentmod` has (§6.7), created when absent. */
export const STANDARD_LAYOUT: readonly string[] = [
  "claude",
  "codex",
  "opencode",
  "node",
  "snapshots",
  "logs",
];

/** The incremental SHA-256 of `node:crypto`. */
type Hash = ReturnType<typeof import("node:crypto").createHash>;

/** Name of the directory restore writes, below the project root. */
const AGENTMOD = ".agentmod";

/**
 * The backup path for a restore at `seconds` (§6.5): `<root>/.agentmod.backup-<YYYYMMDD-HHMMSS>`
 * with the stamp in UTC.
 *
 * @example
 * ```ts
 * import { backupPath } from "./restore.ts";
 * console.assert(backupPath("/p", 1781181045) === "/p/.agentmod.backup-20260611-123045");
 * ```
 */
export function backupPath(root: string, seconds: number): string {
  return `${trimRoot(root)}/${AGENTMOD}.backup-${formatCompactStamp(seconds)}`;
}

function trimRoot(root: string): string {
  return root.length > 1 && root.endsWith("/") ? root.replace(/\/+$/, "") : root === "/" ? "" : root;
}

/** Where restore writes, and what it found there before. */
export interface RestoreTarget {
  /** The project root (absolute). */
  readonly root: string;
  /** `<root>/.agentmod`. */
  readonly agentmod: string;
  /** The kind of what occupied `.agentmod` when it was checked, or `null` when nothing did. */
  readonly existing: EntryStat["kind"] | null;
  /** Where the previous `.agentmod` goes; `null` when there is none (no backup is made). */
  readonly backup: string | null;
}

/** One planned regular file with what the inventory promises about it. */
export interface InventoriedFile {
  /** The plan entry (rel path, member, perm). */
  readonly plan: PlanEntry;
  /** The snapshot entry its content is read from. */
  readonly entry: SnapshotEntry;
  /** The inventory's byte count. */
  readonly size: number;
  /** The inventory's SHA-256 (lowercase hex). */
  readonly sha256: string;
}

/** A snapshot that passed every check, with everything {@link applyRestore} needs. */
export interface PreparedRestore {
  /** The handle every member is read through; the caller closes it. */
  readonly handle: SnapshotHandle;
  /** The validation result (all four phases). */
  readonly verification: Verification;
  /** The restore plan of §6.3. */
  readonly plan: RestorePlan;
  /** Planned directories, files and symlinks (implicit parents not counted). */
  readonly counts: PlanCounts;
  /** Bytes of all planned regular files. */
  readonly bytes: number;
  /** The git comparison of §6.4. */
  readonly git: GitComparison;
  /** Where the restore goes. */
  readonly target: RestoreTarget;
  /** The file system every step goes through. */
  readonly fs: RestoreFs;
  /** Regular files in list order. */
  readonly files: readonly InventoriedFile[];
}

/** Outcome of {@link prepareRestore}. */
export type RestorePreparation =
  | {
    readonly ok: true;
    /** Warnings only: validation warnings, then the git comparison's. */
    readonly problems: readonly Problem[];
    readonly prepared: PreparedRestore;
  }
  | {
    readonly ok: false;
    /** Every problem; at least one error (a refusal, or `io-error`). */
    readonly problems: readonly Problem[];
    /** The validation result when validation ran to the end. */
    readonly verification: Verification | null;
    /** The git comparison when it ran (the target check comes after it). */
    readonly git: GitComparison | null;
  };

/** Options of {@link prepareRestore}. */
export interface PrepareRestoreOptions {
  /** The project root (absolute; it must exist). */
  readonly root: string;
  /** The limits validation runs with. */
  readonly limits: ZipLimits;
  /** The restore clock; its UTC second names the backup (§6.5). */
  readonly clock: () => Date;
  /**
   * Collects the target repository's git state (§6.4, by running `git` in the CLI). Called only
   * when the snapshot is valid and its manifest records git state; absent means "unavailable".
   */
  readonly targetGit?: () => Promise<GitState | GitTargetUnavailable>;
  /** The file system (default: the real one). */
  readonly fs?: RestoreFs;
}

/**
 * Steps 4–6 of §6.2 over an opened snapshot: validation with all four phases (any error refuses),
 * the git comparison, and the target check (a taken backup name is `backup-exists`). Nothing on
 * disk changes. A tree package handle is refused with `tree-not-restorable`; operating-system
 * read failures become `io-error`.
 *
 * @example
 * ```ts
 * import { prepareRestore } from "./restore.ts";
 * import { openArchiveSource } from "./open.ts";
 * import { bytesSource } from "../zip/source.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const handle = await openArchiveSource(bytesSource(new Uint8Array(4)), "x.amod", AMOD_LIMITS);
 * const p = await prepareRestore(handle, { root: "/tmp", limits: AMOD_LIMITS, clock: () => new Date() });
 * console.assert(!p.ok && p.problems[0]?.code === "zip-no-end-record");
 * ```
 */
export async function prepareRestore(
  handle: SnapshotHandle,
  options: PrepareRestoreOptions,
): Promise<RestorePreparation> {
  const refuse = (
    problems: readonly Problem[],
    verification: Verification | null = null,
    git: GitComparison | null = null,
  ): RestorePreparation => ({ ok: false, problems, verification, git });
  if (handle.kind === "directory") return refuse([treeNotRestorable(handle.input)]);

  let verification: Verification;
  try {
    verification = await verifySnapshot(handle, { limits: options.limits, operation: "validate" });
  } catch (err) {
    if (!isReadFailure(err)) throw err;
    return refuse([problem("io-error", `Cannot read "${handle.input}": ${errorLine(err)}`)]);
  }
  const problems = [...verification.problems];
  const plan = verification.plan;
  if (problems.some((p) => p.severity === "error") || plan === null || verification.inventory === null) {
    return refuse(problems, verification);
  }
  const files = inventoriedFiles(plan, verification);

  // §6.4: compared before anything moves; differences are warnings only.
  const recorded = verification.manifest?.git;
  let git: GitComparison;
  if (recorded === undefined) git = compareGitState(undefined, { unavailable: "" });
  else {
    const target = options.targetGit === undefined
      ? { unavailable: "no git state was collected for the target" }
      : await options.targetGit();
    git = compareGitState(recorded, target);
  }
  problems.push(...git.problems);

  // §6.5: whatever occupies .agentmod is moved aside as it is; the backup name must be free.
  const fs = options.fs ?? await loadRestoreFs();
  const root = trimRoot(options.root) || "/";
  const agentmod = `${trimRoot(root)}/${AGENTMOD}`;
  let existing: EntryStat | null;
  let backup: string | null = null;
  try {
    existing = fs.lstat(agentmod);
    if (existing !== null) {
      backup = backupPath(root, epochSeconds(options.clock()));
      if (fs.lstat(backup) !== null) return refuse([...problems, backupExists(backup)], verification, git);
    }
  } catch (err) {
    return refuse(
      [...problems, problem("io-error", `Cannot examine "${agentmod}": ${errorLine(err)}`)],
      verification,
      git,
    );
  }
  let bytes = 0;
  for (const f of files) bytes += f.size;
  return {
    ok: true,
    problems,
    prepared: {
      handle,
      verification,
      plan,
      counts: planCounts(plan),
      bytes,
      git,
      target: { root, agentmod, existing: existing?.kind ?? null, backup },
      fs,
      files,
    },
  };
}

/**
 * The files of a valid plan with their inventory promises. Validation guarantees both facts
 * checked here; a violation is a bug, not bad input, and stops before anything moves.
 */
function inventoriedFiles(plan: RestorePlan, v: Verification): InventoriedFile[] {
  if (plan.dirs[0]?.rel !== AGENTMOD) {
    throw new Error("Internal error: a valid restore plan must start with the .agentmod directory");
  }
  return plan.files.map((f) => {
    const name = f.entry?.name ?? null;
    const rec = name === null ? undefined : v.inventory?.byPath.get(name);
    if (f.entry === null || rec === undefined) {
      throw new Error(`Internal error: the planned file "${f.rel}" has no inventory entry`);
    }
    return { plan: f, entry: f.entry, size: rec.size, sha256: rec.sha256 };
  });
}

function backupExists(path: string): Problem {
  return problem(
    "backup-exists",
    `The backup name "${path}" is already taken (a restore within the same second?); nothing was moved`,
    { member: path },
  );
}

function treeNotRestorable(input: string): Problem {
  return problem(
    "tree-not-restorable",
    `"${input}" is a tree package; restore takes .amod files only — copy its payload/.agentmod/ by hand as its RESTORE.md describes`,
    { member: input },
  );
}

/** How a failed extraction was undone (§6.9). */
export type RollbackOutcome =
  /** The partial tree is gone and the previous `.agentmod` (if any) is back in place. */
  | "rolled-back"
  /** The partial `.agentmod` could not be removed; the previous one is still at the backup path. */
  | "partial-left"
  /** The partial tree was removed but the backup could not be renamed back. */
  | "backup-not-restored";

/** Outcome of {@link applyRestore}. */
export type RestoreOutcome =
  | {
    readonly ok: true;
    /** The backup made, or `null` when there was no `.agentmod` before. */
    readonly backup: string | null;
    /** The `.gitignore` step; `null` when no backup was made (the step does not run). */
    readonly gitignore: GitignoreResult | null;
  }
  | {
    readonly ok: false;
    /** `backup-exists` (refusal), `io-error` (the backup rename failed) or `extraction-failed`. */
    readonly problems: readonly Problem[];
    /** `null` when nothing had moved; otherwise how the rollback ended. */
    readonly rollback: RollbackOutcome | null;
    /** Where the previous environment is when it is not back at `.agentmod`; else `null`. */
    readonly previousAt: string | null;
  };

/** Options of {@link applyRestore}. */
export interface ApplyRestoreOptions {
  /** Aborting it (the CLI does on SIGINT/SIGTERM) stops the extraction and rolls back. */
  readonly signal?: AbortSignal;
  /** Called as members are written: the number of members and of bytes just finished. */
  readonly onProgress?: (members: number, bytes: number) => void;
}

/** A failed extraction step: what it was doing, for which member. */
class StepFailure extends Error {
  readonly member: string | null;
  constructor(member: string | null, message: string) {
    super(message);
    this.name = "StepFailure";
    this.member = member;
  }
}

/**
 * Moves whatever occupies `.agentmod` to the backup name: one `rename`, nothing inside is read
 * (§6.5). The only rename of the restore apart from {@link moveBackupBack}.
 */
export function moveAgentmodToBackup(fs: RestoreFs, agentmod: string, backup: string): void {
  fs.rename(agentmod, backup);
}

/** Renames the backup back to `.agentmod` during rollback (§6.9 step 2). */
export function moveBackupBack(fs: RestoreFs, backup: string, agentmod: string): void {
  fs.rename(backup, agentmod);
}

/**
 * Steps 8–10 of §6.2 for a prepared restore: back up (the backup name is checked again right
 * before the rename), extract, and on any failure or interruption roll back; then the
 * `.gitignore` step when a backup was made. Never throws for file system failures: they become
 * `extraction-failed` (or `io-error` when the backup rename itself failed, before anything moved).
 *
 * @example
 * ```ts ignore
 * const p = await prepareRestore(handle, { root, limits: AMOD_LIMITS, clock: () => new Date() });
 * if (p.ok) {
 *   const outcome = await applyRestore(p.prepared);
 *   console.assert(outcome.ok);
 * }
 * ```
 */
export async function applyRestore(
  prepared: PreparedRestore,
  options: ApplyRestoreOptions = {},
): Promise<RestoreOutcome> {
  const { fs, target } = prepared;
  const { agentmod } = target;
  const nothingMoved = (p: Problem): RestoreOutcome => ({
    ok: false,
    problems: [p],
    rollback: null,
    previousAt: null,
  });

  // Step 8: the backup.
  let backup: string | null = null;
  if (options.signal?.aborted) {
    return nothingMoved(problem("extraction-failed", "Restore was interrupted before anything was moved"));
  }
  try {
    if (target.backup !== null && fs.lstat(agentmod) !== null) {
      if (fs.lstat(target.backup) !== null) {
        return { ok: false, problems: [backupExists(target.backup)], rollback: null, previousAt: null };
      }
      moveAgentmodToBackup(fs, agentmod, target.backup);
      backup = target.backup;
    }
  } catch (err) {
    return nothingMoved(problem(
      "io-error",
      `Cannot move "${agentmod}" to "${target.backup}": ${errorLine(err)}; nothing was changed`,
      { member: agentmod },
    ));
  }

  // Step 9: extraction, undone as a whole on any failure.
  const extraction = new Extraction(prepared, options);
  try {
    await extraction.run();
  } catch (err) {
    const failure = err instanceof StepFailure ? err : new StepFailure(null, errorLine(err));
    return rollBack(fs, agentmod, extraction.createdAgentmod, backup, failure);
  }

  // Step 10: warnings only.
  const gitignore = backup === null ? null : updateGitignore(target.root, fs);
  return { ok: true, backup, gitignore };
}

/** §6.9: remove the partial tree (only if this restore created it), then rename the backup back. */
function rollBack(
  fs: RestoreFs,
  agentmod: string,
  created: boolean,
  backup: string | null,
  failure: StepFailure,
): RestoreOutcome {
  const fail = (rollback: RollbackOutcome, previousAt: string | null, outcome: string): RestoreOutcome => ({
    ok: false,
    problems: [problem("extraction-failed", `${failure.message}; ${outcome}`, { member: failure.member })],
    rollback,
    previousAt,
  });
  if (created) {
    try {
      fs.removeTree(agentmod);
    } catch (err) {
      const previous = backup === null
        ? "nothing existed there before the restore"
        : `the previous environment is at "${backup}"`;
      return fail(
        "partial-left",
        backup,
        `the partial "${agentmod}" could not be removed (${errorLine(err)}); ${previous}`,
      );
    }
  }
  if (backup !== null) {
    try {
      if (fs.lstat(agentmod) !== null) {
        throw new Error(`"${agentmod}" is occupied by something this restore did not create`);
      }
      moveBackupBack(fs, backup, agentmod);
    } catch (err) {
      return fail(
        "backup-not-restored",
        backup,
        `the backup could not be moved back (${errorLine(err)}); the previous environment is at "${backup}"`,
      );
    }
    return fail("rolled-back", null, "rolled back: the previous .agentmod is in place again");
  }
  return fail(
    "rolled-back",
    null,
    created ? "rolled back: nothing is left, as there was no .agentmod before" : "nothing was changed",
  );
}

/** Thrown inside the extraction when the abort signal fires. */
const INTERRUPTED = "Restore was interrupted";

/** Step 9 of §6.2 (§6.6–§6.8), with the state rollback needs. */
class Extraction {
  /** `.agentmod` was created by this restore (only then may rollback remove it). */
  createdAgentmod = false;
  readonly #p: PreparedRestore;
  readonly #options: ApplyRestoreOptions;
  readonly #fs: RestoreFs;
  readonly #base: string;
  /** Rel paths of the directories this restore created. */
  readonly #created = new Set<string>();

  constructor(prepared: PreparedRestore, options: ApplyRestoreOptions) {
    this.#p = prepared;
    this.#options = options;
    this.#fs = prepared.fs;
    this.#base = trimRoot(prepared.target.root);
  }

  #path(rel: string): string {
    return `${this.#base}/${rel}`;
  }

  #checkAbort(member: string | null): void {
    if (this.#options.signal?.aborted) throw new StepFailure(member, INTERRUPTED);
  }

  /** Runs one file system call, turning its failure into a step failure that names the member. */
  #attempt<T>(member: string | null, what: string, op: () => T): T {
    try {
      return op();
    } catch (err) {
      if (err instanceof StepFailure) throw err;
      throw new StepFailure(member, `Cannot ${what}: ${errorLine(err)}`);
    }
  }

  /** The parent of `rel` must be a directory this restore created, and still be one (lstat). */
  #checkParent(rel: string, member: string | null): void {
    const parent = rel.slice(0, rel.lastIndexOf("/"));
    const info = this.#attempt(member, `examine "${parent}"`, () => this.#fs.lstat(this.#path(parent)));
    if (!this.#created.has(parent) || info?.kind !== "directory") {
      throw new StepFailure(
        member,
        `"${parent}" is not a directory this restore created, so "${rel}" is not written`,
      );
    }
  }

  /**
   * Streams one member into its new file, checks byte count and SHA-256 against the inventory
   * (an archive changed after validation fails here), then sets the recorded perm through the
   * descriptor.
   */
  async #fill(f: InventoriedFile, file: ExclusiveFile, hash: Hash): Promise<void> {
    const member = f.plan.member;
    const rel = f.plan.rel;
    let written = 0;
    let outcome: ReadOutcome;
    try {
      outcome = await this.#p.handle.read(f.entry, (chunk) => {
        this.#checkAbort(member);
        this.#attempt(member, `write "${rel}"`, () => file.write(chunk));
        hash.update(chunk);
        written += chunk.length;
      }, { maxBytes: f.size });
    } catch (err) {
      if (err instanceof StepFailure || !isReadFailure(err)) throw err;
      throw new StepFailure(member, `Cannot read "${member}" from the snapshot: ${errorLine(err)}`);
    }
    const changed = "The snapshot changed after validation";
    if (outcome.status === "problem") throw new StepFailure(member, `${changed}: ${outcome.problem.message}`);
    if (outcome.status === "limit" || written !== f.size) {
      throw new StepFailure(
        member,
        `${changed}: "${rel}" no longer has the ${f.size} bytes the inventory records`,
      );
    }
    if (hash.digest("hex") !== f.sha256) {
      throw new StepFailure(member, `${changed}: the SHA-256 of "${rel}" differs from the inventory's`);
    }
    this.#attempt(member, `set the mode of "${rel}"`, () => file.chmod(f.plan.perm & 0o777));
  }

  async run(): Promise<void> {
    const { plan, target } = this.#p;
    const fs = this.#fs;
    const progress = this.#options.onProgress ?? (() => {});

    // 1. Directories, parents first, each one non-recursive mkdir with mode 0700 so that later
    // writes cannot be blocked by a restrictive recorded mode.
    for (const d of plan.dirs) {
      this.#checkAbort(d.member);
      if (d.rel === AGENTMOD) {
        this.#attempt(d.member, `create "${d.rel}"`, () => fs.mkdir(target.agentmod, 0o700));
        this.createdAgentmod = true;
      } else {
        this.#checkParent(d.rel, d.member);
        this.#attempt(d.member, `create "${d.rel}"`, () => fs.mkdir(this.#path(d.rel), 0o700));
      }
      this.#created.add(d.rel);
      progress(d.member === null ? 0 : 1, 0);
    }

    // 2. Regular files: exclusive, no-follow creates; content checked against the inventory.
    const { createHash } = await import("node:crypto");
    for (const f of this.#p.files) {
      const member = f.plan.member;
      this.#checkAbort(member);
      this.#checkParent(f.plan.rel, member);
      const file = this.#attempt(
        member,
        `create "${f.plan.rel}"`,
        () => fs.createExclusive(this.#path(f.plan.rel), 0o600),
      );
      try {
        await this.#fill(f, file, createHash("sha256"));
      } catch (err) {
        try {
          file.close();
        } catch {
          // The first failure is the one to report; rollback removes the file either way.
        }
        throw err;
      }
      this.#attempt(member, `close "${f.plan.rel}"`, () => file.close());
      progress(1, f.size);
    }

    // 3. Symlinks last, so that no write of this restore can pass through one. Their perm is not applied.
    for (const l of plan.links) {
      this.#checkAbort(l.member);
      this.#checkParent(l.rel, l.member);
      const linkTarget = l.target;
      if (linkTarget === undefined) {
        throw new StepFailure(l.member, `The planned link "${l.rel}" has no target`);
      }
      this.#attempt(l.member, `create the link "${l.rel}"`, () => fs.symlink(linkTarget, this.#path(l.rel)));
      progress(1, 0);
    }

    // 4. The standard layout (§6.7), before restrictive modes can get in the way; existing
    // entries of any kind are left alone.
    for (const name of STANDARD_LAYOUT) {
      this.#checkAbort(null);
      const rel = `${AGENTMOD}/${name}`;
      const path = this.#path(rel);
      const info = this.#attempt(null, `examine "${rel}"`, () => fs.lstat(path));
      if (info === null) this.#attempt(null, `create "${rel}"`, () => fs.mkdir(path, 0o755));
    }

    // 5. Post-checks (§6.8): every restored path has its planned kind, and every link whose
    // target exists resolves inside .agentmod.
    const expect = (e: PlanEntry, kind: EntryStat["kind"]): void => {
      this.#checkAbort(e.member);
      const info = this.#attempt(e.member, `examine "${e.rel}"`, () => fs.lstat(this.#path(e.rel)));
      if (info?.kind !== kind) {
        throw new StepFailure(
          e.member,
          `Post-check failed: "${e.rel}" is ${
            info === null ? "missing" : `a ${info.kind}`
          } instead of a ${kind}`,
        );
      }
    };
    for (const d of plan.dirs) expect(d, "directory");
    for (const f of plan.files) expect(f, "file");
    for (const l of plan.links) expect(l, "symlink");
    if (plan.links.length > 0) {
      const top = this.#attempt(null, `resolve "${AGENTMOD}"`, () => fs.realPath(target.agentmod));
      if (top === null) {
        throw new StepFailure(null, `Post-check failed: "${target.agentmod}" cannot be resolved`);
      }
      for (const l of plan.links) {
        this.#checkAbort(l.member);
        const real = this.#attempt(
          l.member,
          `resolve the link "${l.rel}"`,
          () => fs.realPath(this.#path(l.rel)),
        );
        if (real === null) continue; // dangling (e.g. into an excluded node_modules/): allowed
        if (real !== top && !real.startsWith(`${top}/`)) {
          throw new StepFailure(
            l.member,
            `Post-check failed: the link "${l.rel}" resolves to "${real}", outside .agentmod`,
          );
        }
      }
    }

    // 6. Recorded directory modes, deepest first, through no-follow descriptors; special bits never.
    for (let i = plan.dirs.length - 1; i >= 0; i--) {
      const d = plan.dirs[i] as PlanEntry;
      this.#checkAbort(d.member);
      this.#attempt(
        d.member,
        `set the mode of "${d.rel}"`,
        () => fs.chmodDirectory(this.#path(d.rel), d.perm & 0o777),
      );
    }
  }
}

/** What a restore run ended with (the `outcome` key of the report). */
export type RestoreStatus =
  /** Extracted; exit 0. */
  | "restored"
  /** `--dry-run`: every check ran, nothing changed; exit 0. */
  | "dry-run"
  /** Refused for a stated reason (invalid snapshot, backup name taken, …); nothing changed; exit 1. */
  | "refused"
  /** An operational failure before anything moved (unreadable input, backup rename); exit 3. */
  | "failed"
  /** Extraction failed and was rolled back; exit 3. */
  | RollbackOutcome;

/** The `git` key of the restore report. */
export interface RestoreGitReport {
  /** The §6.4 verdict: `no-metadata`, `unavailable`, `matches` or `differs`. */
  readonly status: GitComparisonStatus;
}

/** The `gitignore` key of the restore report. */
export interface RestoreGitignoreReport {
  /** `added`, `already-covers`, `created`, `skipped` or `failed`. */
  readonly result: GitignoreResult["action"];
  /** `false` when `.gitignore` does not ignore `.agentmod/` itself; `null` when unknown or absent. */
  readonly agentmod_ignored: boolean | null;
  /** Why the step failed, or `null`. */
  readonly message: string | null;
}

/**
 * The restore report (§6.11 in JSON): the shared report core, then the restore keys in this order.
 */
export interface RestoreReport extends ReportCore {
  /** Always `amod`. */
  readonly format: "amod";
  /** Always `restore`. */
  readonly operation: "restore";
  /** `archive` for an `.amod` file; `directory` when a directory was given (and refused). */
  readonly input_kind: SnapshotInputKind;
  /** The project root restored into. */
  readonly project_root: string;
  /** `--dry-run` was given. */
  readonly dry_run: boolean;
  /** How the run ended. */
  readonly outcome: RestoreStatus;
  /** The manifest's known keys as read, or `null`. */
  readonly manifest: Readonly<Record<string, unknown>> | null;
  /** Planned directories, files and symlinks (implicit parents not counted), once validated. */
  readonly plan: PlanCounts | null;
  /** Bytes of the planned files, once validated. */
  readonly bytes: number | null;
  /** `<root>/.agentmod`. */
  readonly target: string;
  /**
   * The backup path: made (`restored`), that would be used (`dry-run`), or where the previous
   * environment remains after a rollback that could not put it back; otherwise `null`.
   */
  readonly backup: string | null;
  /** The git comparison's verdict, once it ran. */
  readonly git: RestoreGitReport | null;
  /** The `.gitignore` step, when it ran (a backup was made). */
  readonly gitignore: RestoreGitignoreReport | null;
}

/** Options of {@link restoreSnapshot}. */
export interface RestoreOptions extends PrepareRestoreOptions, ApplyRestoreOptions {
  /** Stop after the checks (§6.2 step 7): nothing is changed. */
  readonly dryRun?: boolean;
  /** The file system the snapshot is opened through (default: the real one). */
  readonly snapshotFs?: SnapshotFs;
  /**
   * Called after every check passed and before anything moves: the CLI prints the warnings and
   * starts listening for SIGINT/SIGTERM here. Not called for a dry run.
   */
  readonly onPrepared?: (prepared: PreparedRestore, warnings: readonly Problem[]) => void | Promise<void>;
  /** Wraps the opened handle (tests inject read faults through it). */
  readonly wrapHandle?: (handle: SnapshotHandle) => SnapshotHandle;
}

/**
 * A directory argument is refused (§6.1): `tree-not-restorable` for a tree package (it holds
 * `manifest.json` and a `payload/` directory), `input-unsupported` otherwise. `null` for anything
 * that is not a directory (opening decides about it).
 */
async function directoryInputProblem(input: string, fs: SnapshotFs): Promise<Problem | null> {
  let info: Deno.FileInfo;
  try {
    info = await fs.stat(input);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return null;
  }
  if (!info.isDirectory) return null;
  const has = async (name: string, dir: boolean): Promise<boolean> => {
    try {
      const i = dir ? await fs.stat(`${input}/${name}`) : await fs.lstat(`${input}/${name}`);
      return dir ? i.isDirectory : true;
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) throw err;
      return false;
    }
  };
  if ((await has("manifest.json", false)) && (await has("payload", true))) return treeNotRestorable(input);
  return problem(
    "input-unsupported",
    `"${input}" is a directory; restore takes an .amod file`,
    { member: input },
  );
}

/** Fields of a report under construction. */
interface ReportParts {
  inputKind: SnapshotInputKind;
  problems: readonly Problem[];
  outcome: RestoreStatus;
  verification: Verification | null;
  bytes: number | null;
  backup: string | null;
  git: GitComparison | null;
  gitignore: GitignoreResult | null;
}

function buildReport(input: string, root: string, dryRun: boolean, parts: ReportParts): RestoreReport {
  const core = reportCore("amod", "restore", input, parts.inputKind, parts.problems);
  const plan = parts.verification?.plan ?? null;
  return {
    report_version: core.report_version,
    format: "amod",
    operation: "restore",
    input: core.input,
    input_kind: parts.inputKind,
    valid: core.valid,
    errors: core.errors,
    warnings: core.warnings,
    problems: core.problems,
    project_root: root,
    dry_run: dryRun,
    outcome: parts.outcome,
    manifest: parts.verification?.manifestKnown ?? null,
    plan: plan === null ? null : planCounts(plan),
    bytes: parts.bytes,
    target: `${trimRoot(root)}/${AGENTMOD}`,
    backup: parts.backup,
    git: parts.git === null ? null : { status: parts.git.status },
    gitignore: parts.gitignore === null ? null : {
      result: parts.gitignore.action,
      agentmod_ignored: parts.gitignore.agentmodIgnored,
      message: parts.gitignore.message,
    },
  };
}

/**
 * The report of a restore refused or failed before the library pipeline ran (no project root,
 * an unsupported platform): the given problems, outcome `refused` (or `failed` when one of them
 * is operational), every restore key empty.
 *
 * @example
 * ```ts
 * import { earlyRestoreReport } from "./restore.ts";
 * import { problem } from "../report/report.ts";
 * const r = earlyRestoreReport("x.amod", "/p", false, [problem("project-not-found", "No project")]);
 * console.assert(r.outcome === "refused" && r.target === "/p/.agentmod" && r.plan === null);
 * ```
 */
export function earlyRestoreReport(
  input: string,
  root: string,
  dryRun: boolean,
  problems: readonly Problem[],
): RestoreReport {
  return buildReport(input, root, dryRun, {
    inputKind: "archive",
    problems,
    outcome: problems.some(isOperational) ? "failed" : "refused",
    verification: null,
    bytes: null,
    backup: null,
    git: null,
    gitignore: null,
  });
}

/**
 * The whole restore of §6.2 from step 3 on: refuses a directory argument, opens the snapshot
 * (keeping the one handle until the end), prepares ({@link prepareRestore}), stops there for a dry
 * run, and otherwise applies ({@link applyRestore}). Returns the report object; its problems
 * decide the exit code (operational → 3, other errors → 1, else 0).
 *
 * @example
 * ```ts
 * import { restoreSnapshot } from "./restore.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const r = await restoreSnapshot("/nonexistent.amod", { root: "/tmp", limits: AMOD_LIMITS, clock: () => new Date() });
 * console.assert(r.outcome === "refused" && r.problems[0]?.code === "input-not-found");
 * ```
 */
export async function restoreSnapshot(input: string, options: RestoreOptions): Promise<RestoreReport> {
  const root = options.root;
  const dryRun = options.dryRun === true;
  const snapshotFs = options.snapshotFs ?? DENO_SNAPSHOT_FS;
  const parts: ReportParts = {
    inputKind: "archive",
    problems: [],
    outcome: "refused",
    verification: null,
    bytes: null,
    backup: null,
    git: null,
    gitignore: null,
  };
  const finish = (changes: Partial<ReportParts>): RestoreReport => {
    const all = { ...parts, ...changes };
    if (all.outcome === "refused" && all.problems.some(isOperational)) all.outcome = "failed";
    return buildReport(input, root, dryRun, all);
  };

  const directory = await directoryInputProblem(input, snapshotFs);
  if (directory !== null) return finish({ inputKind: "directory", problems: [directory] });
  const opened = await openSnapshot(input, { limits: options.limits, fs: snapshotFs });
  if (!opened.ok) return finish({ inputKind: opened.inputKind, problems: opened.problems });
  const handle = options.wrapHandle ? options.wrapHandle(opened.handle) : opened.handle;
  parts.inputKind = handle.kind;
  try {
    const prep = await prepareRestore(handle, options);
    if (!prep.ok) return finish({ problems: prep.problems, verification: prep.verification, git: prep.git });
    const p = prep.prepared;
    parts.verification = p.verification;
    parts.git = p.git;
    parts.bytes = p.bytes;
    parts.problems = prep.problems;
    if (dryRun) return finish({ outcome: "dry-run", backup: p.target.backup });
    await options.onPrepared?.(p, prep.problems);
    const outcome = await applyRestore(p, options);
    if (outcome.ok) {
      return finish({ outcome: "restored", backup: outcome.backup, gitignore: outcome.gitignore });
    }
    return finish({
      problems: [...prep.problems, ...outcome.problems],
      outcome: outcome.rollback ?? "refused",
      backup: outcome.previousAt,
    });
  } finally {
    handle.close();
  }
}
