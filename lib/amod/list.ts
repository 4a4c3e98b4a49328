/**
 * `list` (amod.md §6.13): the `.amod` files in `<root>/.agentmod/snapshots/`, newest first, each
 * with a manifest summary read from phase 1 of §5.3 and `manifest.json` only (nothing hashed or
 * extracted), and the tree package when `<root>/.agentmod-handoff/manifest.json` exists.
 *
 * @module
 */

import type { Code } from "../report/codes.ts";
import { displayEscape } from "../report/render.ts";
import { compareCodePoints, type Problem, sortAmodProblems } from "../report/report.ts";
import type { ZipLimits } from "../zip/limits.ts";
import { type Manifest, parseManifest } from "./json.ts";
import { DENO_SNAPSHOT_FS, isReadFailure, openSnapshot, type SnapshotFs } from "./open.ts";
import { rootMemberCap } from "./verify.ts";

/** The git part of a listed snapshot. */
export interface ListedGit {
  /** Branch name, `null` on a detached HEAD. */
  readonly branch: string | null;
  /** Commit id, `null` before the first commit. */
  readonly head: string | null;
  /** The worktree was dirty at create time. */
  readonly dirty: boolean;
}

/** One listed snapshot (§6.13 JSON): manifest-derived keys are `null` when it cannot be read. */
export interface ListedSnapshot {
  /** File name inside `snapshots/`. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Modification time in UTC, `YYYY-MM-DDTHH:MM:SSZ`, or `null` when unknown. */
  readonly modified: string | null;
  /** The manifest's creation instant. */
  readonly created_at: string | null;
  /** The writing tool's version string. */
  readonly agentmod_version: string | null;
  /** `<os>/<arch>` of the writer. */
  readonly platform: string | null;
  /** The manifest's schema version. */
  readonly schema_version: number | null;
  /** `null` when the manifest records no git state (or cannot be read). */
  readonly git: ListedGit | null;
  /** The first problem code when the archive or its manifest cannot be read, else `null`. */
  readonly problem: Code | null;
}

/** The tree package of a project, when there is one. */
export interface ListedTreePackage {
  /** `<root>/.agentmod-handoff`. */
  readonly path: string;
  /** Its manifest's `created_at`, or `null` when that cannot be read. */
  readonly created_at: string | null;
}

/** The JSON object `list --json` prints (§6.13), keys in the specified order. */
export interface SnapshotList {
  /** Always 1. */
  readonly report_version: 1;
  /** Always `amod`. */
  readonly format: "amod";
  /** Always `list`. */
  readonly operation: "list";
  /** The project root. */
  readonly input: string;
  /** Newest first. */
  readonly snapshots: readonly ListedSnapshot[];
  /** The tree package, or `null`. */
  readonly tree_package: ListedTreePackage | null;
}

/** Options of {@link listSnapshots}. */
export interface ListOptions {
  /** Limits for reading each archive's container (`0` disables one). */
  readonly limits: ZipLimits;
  /** File system to read through (tests inject failures). */
  readonly fs?: SnapshotFs;
}

/** A snapshot's manifest, or the first problem code that prevented reading it. */
export type ManifestSummary = { readonly manifest: Manifest } | { readonly problem: Code };

function firstError(problems: readonly Problem[]): Code | null {
  return sortAmodProblems(problems).find((p) => p.severity === "error")?.code ?? null;
}

/**
 * Reads only the manifest of an `.amod` (§6.13): phase 1 with the given limits, then
 * `manifest.json` decoded with its CRC checked and parsed strictly. Any error on the way —
 * a fatal container problem, a missing, non-file, oversized or damaged manifest, an invalid
 * manifest — is returned as the first problem code in report order.
 *
 * @example
 * ```ts
 * import { readManifestSummary } from "./list.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const r = await readManifestSummary("/nonexistent.amod", { limits: AMOD_LIMITS });
 * console.assert("problem" in r && r.problem === "input-not-found");
 * ```
 */
export async function readManifestSummary(path: string, options: ListOptions): Promise<ManifestSummary> {
  const fs = options.fs ?? DENO_SNAPSHOT_FS;
  try {
    const info = await fs.stat(path);
    if (!info.isFile) return { problem: "input-unsupported" };
  } catch (err) {
    if (!isReadFailure(err)) throw err;
    return { problem: err instanceof Deno.errors.NotFound ? "input-not-found" : "io-error" };
  }
  const opened = await openSnapshot(path, { limits: options.limits, fs });
  if (!opened.ok) return { problem: opened.problems[0]!.code };
  const handle = opened.handle;
  try {
    if (handle.fatal) return { problem: firstError(handle.problems) ?? "zip-no-end-record" };
    const copies = handle.entries.filter((e) => e.name === "manifest.json");
    if (copies.length === 0) return { problem: "root-member-missing" };
    const file = copies.find((e) => e.kind === "file");
    if (file === undefined) return { problem: "root-member-not-file" };
    if (file.size > rootMemberCap(handle.entries.length)) return { problem: "root-member-too-large" };
    if (!file.readable) {
      const own = handle.problems.filter((p) => p.member === file.displayName);
      return { problem: firstError(own) ?? firstError(handle.problems) ?? "zip-local-header-invalid" };
    }
    const chunks: Uint8Array[] = [];
    let length = 0;
    const outcome = await handle.read(file, (c) => {
      chunks.push(c.slice());
      length += c.length;
    });
    if (outcome.status === "problem") return { problem: outcome.problem.code };
    if (outcome.status === "limit") return { problem: "limit-total-bytes" };
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const parsed = parseManifest(bytes, "amod");
    const bad = firstError(parsed.problems);
    if (bad !== null || parsed.manifest === null) return { problem: bad ?? "manifest-invalid" };
    return { manifest: parsed.manifest };
  } catch (err) {
    if (!isReadFailure(err)) throw err;
    return { problem: "io-error" };
  } finally {
    handle.close();
  }
}

/** `YYYY-MM-DDTHH:MM:SSZ` of a time, in UTC. */
function utcStamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

interface Found {
  name: string;
  size: number;
  mtime: Date | null;
}

async function tryStat(fs: SnapshotFs, path: string): Promise<Deno.FileInfo | null> {
  for (const f of [(p: string) => fs.stat(p), (p: string) => fs.lstat(p)]) {
    try {
      return await f(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) throw err;
    }
  }
  return null;
}

/**
 * Lists a project's snapshots (§6.13). A missing or unreadable `snapshots/` directory lists
 * nothing; entries ending in `.amod` that are not directories by the listing's type (symlinks are
 * not followed for that) are listed newest modification time first, ties by name in UTF-8 order.
 *
 * @param root the project root (absolute)
 *
 * @example
 * ```ts
 * import { listSnapshots } from "./list.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const dir = await Deno.makeTempDir();
 * const list = await listSnapshots(dir, { limits: AMOD_LIMITS });
 * console.assert(list.snapshots.length === 0 && list.tree_package === null);
 * await Deno.remove(dir);
 * ```
 */
export async function listSnapshots(root: string, options: ListOptions): Promise<SnapshotList> {
  const fs = options.fs ?? DENO_SNAPSHOT_FS;
  const base = root.endsWith("/") && root !== "/" ? root.slice(0, -1) : root;
  const dir = `${base === "/" ? "" : base}/.agentmod/snapshots`;
  const found: Found[] = [];
  try {
    for await (const d of fs.readDir(dir)) {
      if (!d.name.endsWith(".amod") || d.isDirectory) continue;
      const info = await tryStat(fs, `${dir}/${d.name}`);
      found.push({ name: d.name, size: info?.size ?? 0, mtime: info?.mtime ?? null });
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    // A missing or unreadable directory holds no snapshots (§6.13).
  }
  found.sort((a, b) =>
    (b.mtime?.getTime() ?? -Infinity) - (a.mtime?.getTime() ?? -Infinity) ||
    compareCodePoints(a.name, b.name)
  );
  const snapshots: ListedSnapshot[] = [];
  for (const f of found) {
    const summary = await readManifestSummary(`${dir}/${f.name}`, { limits: options.limits, fs });
    const common = { name: f.name, size: f.size, modified: f.mtime === null ? null : utcStamp(f.mtime) };
    if ("problem" in summary) {
      snapshots.push({
        ...common,
        created_at: null,
        agentmod_version: null,
        platform: null,
        schema_version: null,
        git: null,
        problem: summary.problem,
      });
      continue;
    }
    const m = summary.manifest;
    snapshots.push({
      ...common,
      created_at: m.created_at,
      agentmod_version: m.agentmod_version,
      platform: m.platform,
      schema_version: m.schema_version,
      git: m.git === undefined
        ? null
        : { branch: m.git.branch ?? null, head: m.git.head ?? null, dirty: m.git.dirty },
      problem: null,
    });
  }
  return {
    report_version: 1,
    format: "amod",
    operation: "list",
    input: root,
    snapshots,
    tree_package: await treePackage(fs, `${base === "/" ? "" : base}/.agentmod-handoff`),
  };
}

async function treePackage(fs: SnapshotFs, path: string): Promise<ListedTreePackage | null> {
  const manifestPath = `${path}/manifest.json`;
  let info: Deno.FileInfo;
  try {
    info = await fs.lstat(manifestPath);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return null;
  }
  if (!info.isFile || info.size > rootMemberCap(0)) return { path, created_at: null };
  try {
    const file = await fs.open(manifestPath);
    try {
      const bytes = new Uint8Array(info.size);
      let at = 0;
      while (at < bytes.length) {
        const n = await file.read(bytes.subarray(at));
        if (n === null || n === 0) break;
        at += n;
      }
      const created = parseManifest(bytes.subarray(0, at), "tree").known?.created_at;
      return { path, created_at: typeof created === "string" ? created : null };
    } finally {
      file.close();
    }
  } catch (err) {
    if (!isReadFailure(err)) throw err;
    return { path, created_at: null };
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Local `YYYY-MM-DD HH:MM` of a UTC stamp (§6.13 text output).
 *
 * @example
 * ```ts
 * import { localMinute } from "./list.ts";
 * console.assert(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(localMinute("2026-06-11T12:31:02Z")));
 * ```
 */
export function localMinute(utc: string): string {
  const d = new Date(utc);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${
    pad2(d.getMinutes())
  }`;
}

/** The git identity of a listed snapshot: `<identity>, clean` or `<identity>, DIRTY`. */
function gitIdentity(git: ListedGit | null): string {
  if (git === null) return "no git metadata";
  const head = git.head === null || git.head === ""
    ? "(no commits yet)"
    : displayEscape(git.head.slice(0, 12));
  const identity = git.branch !== null && git.branch !== ""
    ? `branch ${displayEscape(git.branch)} @ ${head}`
    : `detached HEAD @ ${head}`;
  return `${identity}, ${git.dirty ? "DIRTY" : "clean"}`;
}

/**
 * The text lines of `list` (§6.13): one line per snapshot — name, size in bytes, local
 * modification time, `created_at`, tool version and git identity, or `unreadable (<code>)` — a
 * `no snapshots` line when there are none, and a final line naming the tree package. Values
 * taken from snapshots are display-escaped.
 *
 * @example
 * ```ts
 * import { describeSnapshotList } from "./list.ts";
 * const lines = describeSnapshotList({
 *   report_version: 1, format: "amod", operation: "list", input: "/p", snapshots: [], tree_package: null,
 * });
 * console.assert(lines[0] === "no snapshots in /p/.agentmod/snapshots/");
 * ```
 */
export function describeSnapshotList(list: SnapshotList): string[] {
  const lines: string[] = [];
  if (list.snapshots.length === 0) {
    lines.push(`no snapshots in ${displayEscape(list.input === "/" ? "" : list.input)}/.agentmod/snapshots/`);
  }
  for (const s of list.snapshots) {
    const when = s.modified === null ? "unknown time" : localMinute(s.modified);
    const head = `${displayEscape(s.name)}  ${s.size} bytes  ${when}`;
    if (s.problem !== null) {
      lines.push(`${head}  unreadable (${s.problem})`);
      continue;
    }
    lines.push(
      `${head}  created ${displayEscape(s.created_at ?? "?")}  ${displayEscape(s.agentmod_version ?? "?")}  ${
        gitIdentity(s.git)
      }`,
    );
  }
  if (list.tree_package !== null) {
    const created = list.tree_package.created_at === null
      ? "creation time unreadable"
      : `created ${displayEscape(list.tree_package.created_at)}`;
    lines.push(`tree package: ${displayEscape(list.tree_package.path)} (${created})`);
  }
  return lines;
}
