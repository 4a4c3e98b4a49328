/**
 * Test helpers for restore: full listings of a directory tree (kind, perm, link target, SHA-256
 * of contents) to prove that nothing else changed, snapshots built with the real create, and a
 * fault-injecting wrapper around the restore file system.
 *
 * @module
 */

import { createSnapshot } from "../../lib/amod/snapshot.ts";
import { STANDARD_LAYOUT } from "../../lib/amod/restore.ts";
import type { GitState } from "../../lib/amod/git.ts";
import {
  type EntryStat,
  type ExclusiveFile,
  loadRestoreFs,
  type RestoreFs,
} from "../../lib/fs/restore_fs.ts";
import { sha256Hex } from "../../lib/digest.ts";
import { compareCodePoints } from "../../lib/report/report.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import {
  FIXTURE_SECONDS,
  makeProject,
  materialize,
  removeProject,
  TEST_OPTIONS,
  type TreeEntry,
} from "./_trees.ts";

/** The fixture clock's backup stamp. */
export const STAMP = "20260611-123045";

/** Restore options every test shares: default limits and the fixture clock. */
export const RESTORE_BASE = {
  limits: AMOD_LIMITS,
  clock: (): Date => new Date(FIXTURE_SECONDS * 1000),
} as const;

/** One line of a listing: `path kind perm [-> target | sha256]`. */
export type Listing = string[];

/**
 * Every entry below `dir` (not `dir` itself), depth first, without following links: the path
 * relative to `dir`, its kind, its mode bits (`mode & 0o7777`; not for links, whose perm cannot be
 * set), and a link's target or a file's SHA-256.
 */
export async function listing(dir: string): Promise<Listing> {
  const out: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names: string[] = [];
    for await (const e of Deno.readDir(abs)) names.push(e.name);
    names.sort(compareCodePoints);
    for (const name of names) {
      const path = `${abs}/${name}`;
      const r = rel === "" ? name : `${rel}/${name}`;
      const info = await Deno.lstat(path);
      const perm = ((info.mode ?? 0) & 0o7777).toString(8).padStart(4, "0");
      if (info.isSymlink) out.push(`${r} symlink -> ${await Deno.readLink(path)}`);
      else if (info.isDirectory) {
        out.push(`${r}/ dir ${perm}`);
        await walk(path, r);
      } else if (info.isFile) out.push(`${r} file ${perm} ${await sha256Hex(await Deno.readFile(path))}`);
      else out.push(`${r} other ${perm}`);
    }
  };
  await walk(dir, "");
  return out;
}

/** A project root inside a fresh temporary directory, holding the given entries. */
export async function project(entries: readonly TreeEntry[] = [], name = "demo-project"): Promise<string> {
  return await makeProject(entries, name);
}

export { materialize, removeProject };

/** Options of {@link buildSnapshot}. */
export interface BuildOptions {
  /** The git state recorded in the manifest (absent: no `git` key). */
  readonly git?: GitState;
  /** Where to write the `.amod` (default: a fresh temporary directory outside any project). */
  readonly output?: string;
}

/** A built snapshot and how to clean up after it. */
export interface BuiltSnapshot {
  /** The `.amod` path. */
  readonly path: string;
  /** The exclusions create reported, as `path (rule)`. */
  readonly excluded: readonly { path: string; rule: string }[];
  /** Removes the source project and the snapshot's temporary directory. */
  readonly cleanup: () => Promise<void>;
  /** The source project root (kept until cleanup). */
  readonly source: string;
}

/** Materializes `entries` in a source project and snapshots it with the real create (fixture clock). */
export async function buildSnapshot(
  entries: readonly TreeEntry[],
  options: BuildOptions = {},
): Promise<BuiltSnapshot> {
  const source = await makeProject(entries, "source-project");
  const outDir = options.output === undefined ? await Deno.makeTempDir({ prefix: "handoff-amod-" }) : null;
  const path = options.output ?? `${outDir}/source-project-${STAMP}.amod`;
  const out = await createSnapshot({
    root: source,
    ...TEST_OPTIONS,
    ...(options.git !== undefined ? { git: options.git } : {}),
    output: path,
  });
  if (!out.ok) {
    throw new Error(`create failed: ${out.problems.map((p) => `${p.code} ${p.message}`).join("; ")}`);
  }
  return {
    path,
    excluded: out.snapshot.excluded.map((x) => ({ path: x.path, rule: x.rule })),
    source,
    cleanup: async () => {
      await removeProject(source);
      if (outDir !== null) await Deno.remove(outDir, { recursive: true });
    },
  };
}

/** A small but varied `.agentmod` tree: every kind, several perms, empty directories, exclusions. */
export function variedTree(): TreeEntry[] {
  return [
    { path: ".agentmod", kind: "dir", perm: 0o755 },
    { path: ".agentmod/agentmod.toml", kind: "file", content: "schema_version = 1\n" },
    { path: ".agentmod/claude", kind: "dir", perm: 0o750 },
    { path: ".agentmod/claude/settings.json", kind: "file", content: '{"hooks":{}}\n' },
    { path: ".agentmod/claude/run.sh", kind: "file", perm: 0o755, content: "#!/bin/sh\necho hi\n" },
    { path: ".agentmod/claude/readonly.md", kind: "file", perm: 0o444, content: "read only\n" },
    { path: ".agentmod/claude/private.md", kind: "file", perm: 0o600, content: "private\n" },
    { path: ".agentmod/claude/.credentials.json", kind: "file", content: "{}" },
    { path: ".agentmod/claude/link.toml", kind: "symlink", target: "../agentmod.toml" },
    { path: ".agentmod/claude/skills", kind: "dir" },
    { path: ".agentmod/claude/skills/demo", kind: "dir", perm: 0o700 },
    { path: ".agentmod/claude/skills/demo/SKILL.md", kind: "file", content: "# demo\n" },
    { path: ".agentmod/claude/skills-link", kind: "symlink", target: "skills/demo" },
    { path: ".agentmod/codex", kind: "dir" },
    { path: ".agentmod/codex/empty", kind: "dir", perm: 0o711 },
    { path: ".agentmod/codex/.env", kind: "file", content: "TOKEN=x\n" },
    { path: ".agentmod/codex/bin.dat", kind: "file", content: new Uint8Array([0, 1, 2, 255, 0, 7]) },
    { path: ".agentmod/node", kind: "dir" },
    { path: ".agentmod/node/node_modules/x/index.js", kind: "file", content: "module.exports = 1;\n" },
    { path: ".agentmod/node/tool", kind: "symlink", target: "node_modules/x/index.js" },
    { path: ".agentmod/logs", kind: "dir" },
    { path: ".agentmod/ünïcode-名前.md", kind: "file", content: "unicode name\n" },
  ];
}

/**
 * A listing of a project root with the excluded entries (rel paths such as `.agentmod/x/`, and
 * everything below an excluded directory) removed: what a restore of its snapshot must reproduce.
 */
export function withoutExcluded(lines: Listing, excluded: readonly { path: string }[]): Listing {
  return lines.filter((line) => {
    const path = line.slice(0, line.indexOf(" "));
    return !excluded.some((x) => x.path.endsWith("/") ? path.startsWith(x.path) : path === x.path);
  });
}

/** Lines of a listing that lie inside `.agentmod` (the listing is relative to the project root). */
export function agentmodLines(lines: readonly string[]): string[] {
  return lines.filter((l) => l.startsWith(".agentmod/"));
}

/** Drops layout directories the restore created that the source did not have. */
export function withoutAddedLayout(restored: readonly string[], source: readonly string[]): string[] {
  const had = new Set(source.map((l) => l.slice(0, l.indexOf(" "))));
  return restored.filter((l) => {
    const path = l.slice(0, l.indexOf(" "));
    const layout = STANDARD_LAYOUT.some((n) => path === `.agentmod/${n}/`);
    return !layout || had.has(path);
  });
}

/** The operations a fault can target. */
export type FsOp =
  | "lstat"
  | "mkdir"
  | "createExclusive"
  | "write"
  | "fileChmod"
  | "close"
  | "symlink"
  | "chmodDirectory"
  | "rename"
  | "removeTree"
  | "realPath"
  | "readFile"
  | "append";

/** One call seen by the wrapper: the operation, its path and how often the operation ran so far (1-based). */
export interface FsCall {
  readonly op: FsOp;
  readonly path: string;
  readonly n: number;
}

/** How the wrapper misbehaves. */
export interface Faults {
  /** Return true to make this call throw. */
  readonly fail?: (call: FsCall) => boolean;
  /** Replaces what `lstat` reports (return `undefined` to keep the real answer). */
  readonly lstat?: (path: string, real: EntryStat | null) => EntryStat | null | undefined;
  /** Replaces what `realPath` reports (return `undefined` to keep the real answer). */
  readonly realPath?: (path: string, real: string | null) => string | null | undefined;
  /** Sees every call before it runs. */
  readonly observe?: (call: FsCall) => void;
}

/** The error an injected fault throws. */
export class InjectedFault extends Error {
  /** Names the call. */
  constructor(call: FsCall) {
    super(`injected fault in ${call.op} #${call.n} (${call.path})`);
    this.name = "InjectedFault";
  }
}

/** Wraps the real restore file system so that chosen calls fail or lie. */
export async function faultyFs(faults: Faults): Promise<RestoreFs & { calls: FsCall[] }> {
  const real = await loadRestoreFs();
  const counts = new Map<FsOp, number>();
  const calls: FsCall[] = [];
  const check = (op: FsOp, path: string): void => {
    const n = (counts.get(op) ?? 0) + 1;
    counts.set(op, n);
    const call = { op, path, n };
    calls.push(call);
    faults.observe?.(call);
    if (faults.fail?.(call)) throw new InjectedFault(call);
  };
  return {
    calls,
    lstat(path) {
      check("lstat", path);
      const r = real.lstat(path);
      const o = faults.lstat?.(path, r);
      return o === undefined ? r : o;
    },
    mkdir(path, mode) {
      check("mkdir", path);
      real.mkdir(path, mode);
    },
    createExclusive(path, mode): ExclusiveFile {
      check("createExclusive", path);
      const f = real.createExclusive(path, mode);
      return {
        write(chunk) {
          check("write", path);
          f.write(chunk);
        },
        chmod(perm) {
          check("fileChmod", path);
          f.chmod(perm);
        },
        close() {
          check("close", path);
          f.close();
        },
      };
    },
    symlink(target, path) {
      check("symlink", path);
      real.symlink(target, path);
    },
    chmodDirectory(path, perm) {
      check("chmodDirectory", path);
      real.chmodDirectory(path, perm);
    },
    rename(from, to) {
      check("rename", from);
      real.rename(from, to);
    },
    removeTree(path) {
      check("removeTree", path);
      real.removeTree(path);
    },
    realPath(path) {
      check("realPath", path);
      const r = real.realPath(path);
      const o = faults.realPath?.(path, r);
      return o === undefined ? r : o;
    },
    readFile(path) {
      check("readFile", path);
      return real.readFile(path);
    },
    append(path, bytes) {
      check("append", path);
      real.append(path, bytes);
    },
  };
}

/** Sentinel content for an existing `.agentmod`: a file, a restrictive directory, a link. */
export function previousTree(): TreeEntry[] {
  return [
    { path: ".agentmod", kind: "dir", perm: 0o700 },
    { path: ".agentmod/agentmod.toml", kind: "file", content: "schema_version = 1\n# previous\n" },
    { path: ".agentmod/sentinel.txt", kind: "file", perm: 0o640, content: "the previous environment\n" },
    { path: ".agentmod/claude", kind: "dir", perm: 0o500 },
    { path: ".agentmod/claude/old.md", kind: "file", content: "old\n" },
    { path: ".agentmod/old-link", kind: "symlink", target: "sentinel.txt" },
  ];
}
