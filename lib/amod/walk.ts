/**
 * The plan phase of create (amod.md §4.3 item 1, §4.6–§4.8): walks `<root>/.agentmod` without
 * following symlinks, in walk order (depth first, each directory's entries in UTF-8 order, a
 * directory before its contents), applies the structural skip, the own-output skip, the policy and
 * the safety rules to every entry, then excludes unsafe symlinks (rule 16, the §4.7 fixed point)
 * and checks the project marker and the member and byte limits.
 *
 * The plan reads metadata only — `lstat`, directory listings and link targets — and keeps one small
 * record per entry. Both sinks (the `.amod` file in `snapshot.ts`, the tree package in `tree.ts`)
 * consume the same plan, so the two forms cannot drift apart.
 *
 * File system calls are synchronous: with 100 000 entries, the per-call cost of asynchronous
 * operations dominates the walk, and create has nothing else to do meanwhile.
 *
 * @module
 */

import { compareCodePoints, type Problem, problem } from "../report/report.ts";
import { AMOD_LIMITS, type ZipLimits } from "../zip/limits.ts";
import {
  type EntryKind,
  exclude,
  type Exclusion,
  type ExclusionRule,
  isSnapshotsOutput,
  matchPolicy,
  matchSafety,
  type PolicyRule,
  resolvePolicy,
  type RuleInput,
  SiblingKeys,
  type SnapshotForm,
  SNAPSHOTS_OUTPUT,
  UNSAFE_SYMLINK,
} from "./exclude.ts";
import {
  hasProjectMarker,
  MARKER_PATH,
  type SnapshotView,
  unsafeSymlinks,
  type ViewEntry,
} from "./resolve.ts";

/** The directory every snapshot carries, relative to the project root. */
export const AGENTMOD_DIR = ".agentmod";

/** Number of root members every snapshot has besides its payload. */
export const ROOT_MEMBER_COUNT = 6;

/** A kept directory of the plan. */
export interface PlannedDirectory {
  /** Rel path, e.g. `.agentmod/claude` (never with a trailing `/`). */
  readonly relPath: string;
  /** Always `directory`. */
  readonly kind: "directory";
  /** `lstat` perm (`mode & 0o777`). */
  readonly perm: number;
}

/** A kept regular file of the plan. */
export interface PlannedFile {
  /** Rel path, e.g. `.agentmod/claude/settings.json`. */
  readonly relPath: string;
  /** Always `file`. */
  readonly kind: "file";
  /** `lstat` perm (`mode & 0o777`). */
  readonly perm: number;
  /** Size reported by `lstat` during the walk (the write phase records the bytes it reads). */
  readonly size: number;
}

/** A kept symlink of the plan. */
export interface PlannedSymlink {
  /** Rel path of the link. */
  readonly relPath: string;
  /** Always `symlink`. */
  readonly kind: "symlink";
  /** `lstat` perm; recorded, never applied. */
  readonly perm: number;
  /** The link target as read during the walk. */
  readonly target: string;
  /** UTF-8 length of {@link PlannedSymlink.target}. */
  readonly size: number;
}

/** One kept entry; it doubles as a {@link ViewEntry} of the snapshot view. */
export type PlannedEntry = PlannedDirectory | PlannedFile | PlannedSymlink;

/** The outcome of the plan phase: what the snapshot will contain and what it leaves out. */
export interface SnapshotPlan {
  /** Absolute project root (symlinks not resolved). */
  readonly root: string;
  /** `amod` or `tree`: decides the default policy. */
  readonly form: SnapshotForm;
  /** Kept entries in walk order; the first is `.agentmod` itself. */
  readonly entries: readonly PlannedEntry[];
  /** Exclusions in walk order, including `snapshots-output` and rule 16. */
  readonly excluded: readonly Exclusion[];
  /** Sizes of kept regular files plus the target lengths of kept symlinks (amod.md §4.8). */
  readonly plannedBytes: number;
  /** Kept entries plus the six root members. */
  readonly members: number;
}

/** A file system entry's metadata as the walk needs it (a subset of `Deno.FileInfo`). */
export interface WalkStat {
  /** A regular file. */
  readonly isFile: boolean;
  /** A directory (never a symlink to one). */
  readonly isDirectory: boolean;
  /** A symbolic link. */
  readonly isSymlink: boolean;
  /** The full mode, or `null` where the platform has none. */
  readonly mode: number | null;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * The file system calls of the plan phase. The default uses Deno's synchronous calls; tests
 * inject failures through it (as root, permission errors cannot be provoked).
 */
export interface WalkFs {
  /** Names of a directory's entries, as the platform lists them. */
  readDir(path: string): Iterable<string>;
  /** `lstat`. */
  lstat(path: string): WalkStat;
  /** A symlink's target; throws `Deno.errors.InvalidData` when it is not UTF-8. */
  readLink(path: string): string;
}

/** The default {@link WalkFs}: Deno's synchronous file system calls. */
export const DENO_WALK_FS: WalkFs = {
  *readDir(path: string): Iterable<string> {
    for (const e of Deno.readDirSync(path)) yield e.name;
  },
  lstat: (path: string): WalkStat => Deno.lstatSync(path),
  readLink: (path: string): string => Deno.readLinkSync(path),
};

/** Progress of a long-running create, for a progress display. */
export interface SnapshotProgress {
  /** `plan` while walking, `write` while reading contents and writing. */
  readonly phase: "plan" | "write";
  /** Entries visited (plan) or members written (write) so far. */
  readonly members: number;
  /** Content bytes read so far (write phase). */
  readonly bytes: number;
  /** Planned members (root members included), known in the write phase. */
  readonly totalMembers?: number;
  /** Planned content bytes, known in the write phase. */
  readonly totalBytes?: number;
}

/** Options of {@link planSnapshot}. */
export interface PlanOptions {
  /** Absolute project root. */
  readonly root: string;
  /** `amod` (rules 1–9 by default) or `tree` (rules 1–11 by default). */
  readonly form: SnapshotForm;
  /** An explicit policy (amod.md §2.6); absent means the form's default, `[]` disables rules 1–11. */
  readonly policy?: readonly PolicyRule[];
  /** Member and byte limits (0 disables one); default `.amod` limits. */
  readonly limits?: ZipLimits;
  /** Absolute paths skipped silently when the walk meets them (the running create's own output). */
  readonly skip?: ReadonlySet<string>;
  /** File system calls (default {@link DENO_WALK_FS}). */
  readonly fs?: WalkFs;
  /** Called as entries are visited. */
  readonly onProgress?: (progress: SnapshotProgress) => void;
}

/** The plan, or the problems that stop create (amod.md §4.3, §4.6, §4.8). */
export type PlanOutcome =
  | { readonly ok: true; readonly plan: SnapshotPlan }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * Internal unwinding: a failure that stops create with the given problems. Callers turn it into a
 * refusal outcome; it never leaves the library.
 */
export class CreateFailure extends Error {
  /** The problems to report (at least one). */
  readonly problems: readonly Problem[];
  /** What the user can do about it, when there is one piece of advice. */
  readonly advice: string | undefined;
  /** Builds the failure. */
  constructor(problems: readonly Problem[], advice?: string) {
    super(problems[0]?.message ?? "Create failed");
    this.name = "CreateFailure";
    this.problems = problems;
    this.advice = advice;
  }
}

/**
 * The `io-error` problem for a failed file system call on `path` (amod.md §4.13: names the path and
 * the system error).
 *
 * @example
 * ```ts
 * import { ioProblem } from "./walk.ts";
 * const p = ioProblem("/p/.agentmod/x", new Error("boom"));
 * console.assert(p.code === "io-error" && p.message.includes("/p/.agentmod/x"));
 * ```
 */
export function ioProblem(path: string, err: unknown, verb = "read"): Problem {
  const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return problem("io-error", `Cannot ${verb} "${path}": ${detail}`, { member: path });
}

function kindOf(info: WalkStat): EntryKind {
  if (info.isSymlink) return "symlink";
  if (info.isDirectory) return "directory";
  if (info.isFile) return "file";
  return "special";
}

/** UTF-8 length of a well-formed string. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Checks the first precondition of create (amod.md §4.3 item 1): `lstat(<root>/.agentmod)` must
 * show a directory. Returns the problem, or `null` when it holds.
 *
 * @example
 * ```ts
 * import { checkAgentmodDir } from "./walk.ts";
 * const dir = await Deno.makeTempDir();
 * console.assert(checkAgentmodDir(dir)?.code === "agentmod-dir-missing");
 * await Deno.remove(dir);
 * ```
 */
export function checkAgentmodDir(root: string, fs: WalkFs = DENO_WALK_FS): Problem | null {
  const path = `${root}/${AGENTMOD_DIR}`;
  let info: WalkStat;
  try {
    info = fs.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return problem("agentmod-dir-missing", `The project has no ${AGENTMOD_DIR} directory at "${path}"`, {
        member: path,
      });
    }
    return ioProblem(path, err);
  }
  if (!info.isDirectory) {
    const what = info.isSymlink ? "a symlink" : info.isFile ? "a regular file" : "not a directory";
    return problem(
      "agentmod-dir-not-directory",
      `"${path}" is ${what}; a snapshot needs a real ${AGENTMOD_DIR} directory`,
      { member: path },
    );
  }
  return null;
}

type WalkRecord = { readonly kept: PlannedEntry } | { readonly excluded: Exclusion };

interface BadName {
  readonly parent: string;
  readonly name: string;
}

class Walker {
  readonly records: WalkRecord[] = [];
  readonly badNames: BadName[] = [];
  visited = 0;

  constructor(
    readonly root: string,
    readonly policy: readonly PolicyRule[],
    readonly skip: ReadonlySet<string>,
    readonly fs: WalkFs,
    readonly onProgress: ((p: SnapshotProgress) => void) | undefined,
  ) {}

  run(): void {
    const abs = `${this.root}/${AGENTMOD_DIR}`;
    let info: WalkStat;
    try {
      info = this.fs.lstat(abs);
    } catch (err) {
      throw new CreateFailure([ioProblem(abs, err)]);
    }
    this.records.push({ kept: { relPath: AGENTMOD_DIR, kind: "directory", perm: (info.mode ?? 0) & 0o777 } });
    this.visitDirectory(abs, AGENTMOD_DIR);
  }

  visitDirectory(abs: string, rel: string): void {
    let names: string[];
    try {
      names = [...this.fs.readDir(abs)];
    } catch (err) {
      throw new CreateFailure([ioProblem(abs, err, "list")]);
    }
    names.sort(compareCodePoints);
    const siblings = new SiblingKeys();
    for (const name of names) {
      const childAbs = `${abs}/${name}`;
      const childRel = `${rel}/${name}`;
      this.visited++;
      this.onProgress?.({ phase: "plan", members: this.visited, bytes: 0 });
      // Step 1: Deno lists undecodable bytes as U+FFFD, the only portable signal (amod.md §4.6).
      if (name.includes("\ufffd")) {
        this.badNames.push({ parent: rel, name });
        continue;
      }
      let info: WalkStat;
      try {
        info = this.fs.lstat(childAbs);
      } catch (err) {
        throw new CreateFailure([ioProblem(childAbs, err)]);
      }
      const input: RuleInput = { relPath: childRel, baseName: name, kind: kindOf(info) };
      // Step 2: the snapshot output directory, ahead of every rule.
      if (isSnapshotsOutput(input)) {
        this.excludeEntry(input, SNAPSHOTS_OUTPUT);
        continue;
      }
      // Step 3: the running create's own temporary file and output, silently.
      if (this.skip.has(childAbs)) continue;
      // Steps 4 and 5: policy rules, then safety rules 12–15.
      const rule: ExclusionRule | null = matchPolicy(input, this.policy) ?? matchSafety(input, siblings);
      if (rule !== null) {
        this.excludeEntry(input, rule);
        continue;
      }
      // Step 6: keep. The name blocks colliding siblings even if rule 16 drops it later.
      siblings.add(name);
      const perm = (info.mode ?? 0) & 0o777;
      switch (input.kind) {
        case "directory":
          this.records.push({ kept: { relPath: childRel, kind: "directory", perm } });
          this.visitDirectory(childAbs, childRel);
          break;
        case "file":
          this.records.push({ kept: { relPath: childRel, kind: "file", perm, size: info.size } });
          break;
        case "symlink": {
          let target: string;
          try {
            target = this.fs.readLink(childAbs);
          } catch (err) {
            if (err instanceof Deno.errors.InvalidData) {
              this.excludeEntry(input, UNSAFE_SYMLINK);
              break;
            }
            throw new CreateFailure([ioProblem(childAbs, err, "read the link")]);
          }
          this.records.push({
            kept: { relPath: childRel, kind: "symlink", perm, target, size: utf8Length(target) },
          });
          break;
        }
        case "special":
          // matchSafety always excludes special files (rule 15); nothing else reaches here.
          break;
      }
    }
  }

  excludeEntry(input: RuleInput, rule: ExclusionRule): void {
    this.records.push({ excluded: exclude(input, rule) });
  }
}

/**
 * Runs the plan phase (amod.md §4.6–§4.8) over `<root>/.agentmod`: the walk with every rule, the
 * `name-not-utf8` stop, rule 16's fixed point over the kept set, the marker check and the member
 * and byte limits. Operating-system failures become `io-error` problems naming the path.
 *
 * @example
 * ```ts
 * import { planSnapshot } from "./walk.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/.agentmod/claude`, { recursive: true });
 * await Deno.writeTextFile(`${root}/.agentmod/agentmod.toml`, "schema_version = 1\n");
 * await Deno.writeTextFile(`${root}/.agentmod/claude/.env`, "X=1\n");
 * const out = planSnapshot({ root, form: "amod" });
 * console.assert(out.ok && out.plan.entries.length === 3 && out.plan.excluded[0]?.rule === "env-file");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function planSnapshot(options: PlanOptions): PlanOutcome {
  const fs = options.fs ?? DENO_WALK_FS;
  const limits = options.limits ?? AMOD_LIMITS;
  const pre = checkAgentmodDir(options.root, fs);
  if (pre !== null) return { ok: false, problems: [pre] };
  const walker = new Walker(
    options.root,
    resolvePolicy(options.form, options.policy),
    options.skip ?? new Set(),
    fs,
    options.onProgress,
  );
  try {
    walker.run();
  } catch (err) {
    if (err instanceof CreateFailure) return { ok: false, problems: err.problems };
    throw err;
  }

  if (walker.badNames.length > 0) {
    return {
      ok: false,
      problems: walker.badNames.map((b) =>
        problem(
          "name-not-utf8",
          `The name "${b.name}" in "${b.parent}/" is not valid UTF-8 (shown with U+FFFD); rename it and try again`,
          { member: `${b.parent}/${b.name}` },
        )
      ),
    };
  }

  // Rule 16 over the kept set (amod.md §4.7), recorded at the links' walk positions.
  const kept = new Map<string, ViewEntry>();
  let hasLinks = false;
  for (const r of walker.records) {
    if ("kept" in r) {
      kept.set(r.kept.relPath, r.kept);
      if (r.kept.kind === "symlink") hasLinks = true;
    }
  }
  const unsafe = hasLinks ? unsafeSymlinks(kept) : new Set<string>();
  for (const rel of unsafe) kept.delete(rel);

  const entries: PlannedEntry[] = [];
  const excluded: Exclusion[] = [];
  let plannedBytes = 0;
  for (const r of walker.records) {
    if ("excluded" in r) excluded.push(r.excluded);
    else if (unsafe.has(r.kept.relPath)) {
      const e = r.kept;
      excluded.push(
        exclude({ relPath: e.relPath, baseName: baseName(e.relPath), kind: e.kind }, UNSAFE_SYMLINK),
      );
    } else {
      entries.push(r.kept);
      if (r.kept.kind !== "directory") plannedBytes += r.kept.size;
    }
  }

  const view: SnapshotView = (rel) => kept.get(rel);
  const problems: Problem[] = [];
  if (!hasProjectMarker(view)) {
    problems.push(problem(
      "project-marker-missing",
      `The snapshot would not contain the project marker "${MARKER_PATH}" as a regular file (or a link to one)`,
      { member: MARKER_PATH },
    ));
  }
  const members = entries.length + ROOT_MEMBER_COUNT;
  if (limits.maxMembers > 0 && members > limits.maxMembers) {
    problems.push(problem(
      "limit-members",
      `The snapshot would have ${members} members, more than the limit of ${limits.maxMembers} (raise it with --max-members)`,
    ));
  }
  if (limits.maxTotalBytes > 0 && plannedBytes > limits.maxTotalBytes) {
    problems.push(problem(
      "limit-total-bytes",
      `The payload would hold ${plannedBytes} bytes, more than the limit of ${limits.maxTotalBytes} (raise it with --max-total-bytes)`,
    ));
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    plan: { root: options.root, form: options.form, entries, excluded, plannedBytes, members },
  };
}

function baseName(rel: string): string {
  return rel.slice(rel.lastIndexOf("/") + 1);
}
