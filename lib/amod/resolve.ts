/**
 * Symlink algorithms of amod.md §5.4 shared by create, validate and restore: the syntactic checks
 * of a symlink target, symlink resolution over a snapshot view, the project-marker test, and the
 * create-side fixed point of §4.7 that finds the links rule 16 excludes. The lexical `normalize`
 * and the collision key of §5.4 live in `lib/names.ts` (`normalizePath`, `collisionKey`).
 *
 * @module
 */

import { hasControlCharacter, hasDrivePrefix } from "../names.ts";
import { decodeUtf8 } from "../text.ts";

/** Longest symlink target, in UTF-8 bytes, that a snapshot may hold. */
export const MAX_SYMLINK_TARGET_BYTES = 4096;

/** Most link substitutions one resolution may make before it is a loop. */
export const MAX_LINK_HOPS = 40;

/** The problem codes of a symlink target that fails a syntactic check (amod.md §5.3). */
export type SymlinkTargetCode =
  | "symlink-target-too-large"
  | "symlink-target-invalid"
  | "symlink-target-empty"
  | "symlink-target-backslash"
  | "symlink-target-absolute";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** UTF-8 length of a string without allocating its encoding (lone surrogates count 3, as U+FFFD). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * The first syntactic check a symlink target fails (rule 16, amod.md §5.3), in the table's order:
 * longer than 4096 bytes, not valid UTF-8 or holding a control character, empty, holding a
 * backslash, absolute (`/…` or an ASCII letter and `:`). `null` when the target passes. Bytes are
 * decoded strictly; a string with a lone surrogate counts as invalid UTF-8.
 *
 * @example
 * ```ts
 * import { checkSymlinkTarget } from "./resolve.ts";
 * console.assert(checkSymlinkTarget("../agentmod.toml") === null);
 * console.assert(checkSymlinkTarget("/etc/passwd") === "symlink-target-absolute");
 * console.assert(checkSymlinkTarget("C:x") === "symlink-target-absolute");
 * console.assert(checkSymlinkTarget("..\\x") === "symlink-target-backslash");
 * console.assert(checkSymlinkTarget(new Uint8Array([0xff])) === "symlink-target-invalid");
 * ```
 */
export function checkSymlinkTarget(target: string | Uint8Array): SymlinkTargetCode | null {
  let text: string;
  if (typeof target === "string") {
    if (utf8Length(target) > MAX_SYMLINK_TARGET_BYTES) return "symlink-target-too-large";
    if (LONE_SURROGATE.test(target)) return "symlink-target-invalid";
    text = target;
  } else {
    if (target.length > MAX_SYMLINK_TARGET_BYTES) return "symlink-target-too-large";
    const decoded = decodeUtf8(target);
    if (decoded === null) return "symlink-target-invalid";
    text = decoded;
  }
  if (hasControlCharacter(text)) return "symlink-target-invalid";
  if (text === "") return "symlink-target-empty";
  if (text.includes("\\")) return "symlink-target-backslash";
  if (text.startsWith("/") || hasDrivePrefix(text)) return "symlink-target-absolute";
  return null;
}

/** One entry of a snapshot view: what will exist on disk at a rel path. */
export type ViewEntry =
  | { readonly kind: "directory" | "file" }
  | { readonly kind: "symlink"; readonly target: string };

/**
 * The snapshot view (amod.md §5.4): the entry at a rel path, or `undefined` when the snapshot
 * produces nothing there. At create it is the kept set, at validate and restore the plan, for a
 * tree package the entries on disk.
 */
export type SnapshotView = (relPath: string) => ViewEntry | undefined;

/** Outcome of resolving one symlink. */
export type LinkResolution =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly code: SymlinkTargetCode | "symlink-escapes" | "symlink-loop" };

/**
 * Resolves the symlink at `linkRel` (which starts with `.agentmod/`) with target `target` through
 * the snapshot view, substituting every link met on the way as the kernel will after restore
 * (amod.md §5.4). Fails with `symlink-escapes` when any step leaves `.agentmod` or a link met on
 * the way has a syntactically bad target, and with `symlink-loop` after more than 40
 * substitutions. The link's own target is checked first and its code returned as is, so callers
 * that report target problems separately check {@link checkSymlinkTarget} before resolving.
 * On success `path` is the resolved rel path (never a link of the view).
 *
 * @example
 * ```ts
 * import { resolveLink, type ViewEntry } from "./resolve.ts";
 * const entries = new Map<string, ViewEntry>([
 *   [".agentmod/d1/d2/s", { kind: "symlink", target: "../.." }],
 * ]);
 * const view = (rel: string) => entries.get(rel);
 * console.assert(resolveLink(".agentmod/d1/d2/s", "../..", view).ok);
 * const t = resolveLink(".agentmod/t", "d1/d2/s/../x", view);
 * console.assert(!t.ok && t.code === "symlink-escapes");
 * ```
 */
export function resolveLink(linkRel: string, target: string, view: SnapshotView): LinkResolution {
  const own = checkSymlinkTarget(target);
  if (own !== null) return { ok: false, code: own };
  const cur = linkRel.split("/");
  cur.pop();
  if (cur.length === 0) return { ok: false, code: "symlink-escapes" };
  // `todo` is a stack: the next segment to take is at the end.
  const todo = target.split("/").reverse();
  let hops = 0;
  while (todo.length > 0) {
    const s = todo.pop() as string;
    if (s === "" || s === ".") continue;
    if (s === "..") {
      if (cur.length === 1) return { ok: false, code: "symlink-escapes" };
      cur.pop();
      continue;
    }
    cur.push(s);
    const e = view(cur.join("/"));
    if (e?.kind === "symlink") {
      hops++;
      if (hops > MAX_LINK_HOPS) return { ok: false, code: "symlink-loop" };
      if (checkSymlinkTarget(e.target) !== null) return { ok: false, code: "symlink-escapes" };
      cur.pop();
      const next = e.target.split("/");
      for (let i = next.length - 1; i >= 0; i--) todo.push(next[i] as string);
    }
  }
  return { ok: true, path: cur.join("/") };
}

/**
 * The kept symlinks rule 16 excludes (amod.md §4.7): repeatedly, every remaining link whose target
 * fails a syntactic check or whose resolution over the kept set (minus the links excluded so far)
 * fails is excluded, until a round excludes nothing. The remaining links all resolve, so the
 * result passes the restore-side check by construction.
 *
 * @param kept the kept entries by rel path (iteration order is irrelevant)
 * @returns the rel paths of the links to exclude
 *
 * @example
 * ```ts
 * import { unsafeSymlinks, type ViewEntry } from "./resolve.ts";
 * const kept = new Map<string, ViewEntry>([
 *   [".agentmod/a", { kind: "symlink", target: "b" }],
 *   [".agentmod/b", { kind: "symlink", target: "a" }],
 *   [".agentmod/ok", { kind: "symlink", target: "x.md" }],
 *   [".agentmod/x.md", { kind: "file" }],
 * ]);
 * const out = unsafeSymlinks(kept);
 * console.assert(out.has(".agentmod/a") && out.has(".agentmod/b") && !out.has(".agentmod/ok"));
 * ```
 */
export function unsafeSymlinks(kept: ReadonlyMap<string, ViewEntry>): Set<string> {
  const excluded = new Set<string>();
  const view: SnapshotView = (rel) => excluded.has(rel) ? undefined : kept.get(rel);
  const links: [string, string][] = [];
  for (const [rel, e] of kept) if (e.kind === "symlink") links.push([rel, e.target]);
  for (;;) {
    const failing = links.filter(([rel, target]) => !excluded.has(rel) && !resolveLink(rel, target, view).ok);
    if (failing.length === 0) return excluded;
    for (const [rel] of failing) excluded.add(rel);
  }
}

/** Rel path of the project marker. */
export const MARKER_PATH = ".agentmod/agentmod.toml";

/**
 * True when the view holds the project marker (amod.md §4.8, §7.10): `.agentmod/agentmod.toml` as
 * a regular file, or as a symlink that resolves to a regular file of the view.
 *
 * @example
 * ```ts
 * import { hasProjectMarker, type ViewEntry } from "./resolve.ts";
 * const entries = new Map<string, ViewEntry>([
 *   [".agentmod/agentmod.toml", { kind: "symlink", target: "real.toml" }],
 *   [".agentmod/real.toml", { kind: "file" }],
 * ]);
 * console.assert(hasProjectMarker((rel) => entries.get(rel)));
 * ```
 */
export function hasProjectMarker(view: SnapshotView): boolean {
  const e = view(MARKER_PATH);
  if (e === undefined || e.kind !== "symlink") return e?.kind === "file";
  const r = resolveLink(MARKER_PATH, e.target, view);
  return r.ok && view(r.path)?.kind === "file";
}
