/**
 * Member-name rules shared by the formats: the collision key and lexical normalisation of
 * amod.md §5.4, and the `.anpkg` member-name checks of anpkg.md §3.2 items 7–8, written over a
 * minimal entry shape so that the archive and the directory form of `.anpkg` use the same code.
 *
 * @module
 */

import { type Problem, problem } from "./report/report.ts";

/**
 * The collision key of amod.md §5.4, used for every name-collision check in every format: NFC,
 * then JavaScript's locale-independent upper- then lower-casing (so `ς`/`σ`/`Σ`, `ſ`/`s` and
 * K (U+212A)/`k` collide; `ß` collides with `ss`, a conservative false positive).
 *
 * @example
 * ```ts
 * import { collisionKey } from "./names.ts";
 * console.assert(collisionKey("A.md") === collisionKey("a.md"));
 * console.assert(collisionKey("e\u0301") === collisionKey("\u00e9"));
 * ```
 */
export function collisionKey(s: string): string {
  return s.normalize("NFC").toUpperCase().toLowerCase();
}

/**
 * Lexical clean of a relative path (amod.md §5.4, Go's `path.Clean` for relative paths): drop
 * empty and `.` segments; a `..` removes the previous kept segment unless that is `..` too,
 * otherwise it is kept; an empty result is `.`.
 *
 * @example
 * ```ts
 * import { normalizePath } from "./names.ts";
 * console.assert(normalizePath("a//b/./../c") === "a/c");
 * console.assert(normalizePath("../x") === "../x");
 * console.assert(normalizePath("a/..") === ".");
 * ```
 */
export function normalizePath(p: string): string {
  const kept: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop();
    else kept.push(seg);
  }
  return kept.length === 0 ? "." : kept.join("/");
}

/**
 * Whether a code point is a control character in the sense of both specs: U+0000–U+001F,
 * U+007F–U+009F, U+2028 or U+2029.
 */
export function isControlCodePoint(c: number): boolean {
  return c <= 0x1f || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
}

/**
 * Whether a string contains a control character ({@link isControlCodePoint}).
 *
 * @example
 * ```ts
 * import { hasControlCharacter } from "./names.ts";
 * console.assert(hasControlCharacter("a\nb") && hasControlCharacter("\u2028") && !hasControlCharacter("ä"));
 * ```
 */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (isControlCodePoint(s.charCodeAt(i))) return true;
  }
  return false;
}

/**
 * Whether a path starts with an ASCII letter followed by `:` (a drive prefix such as `C:`).
 *
 * @example
 * ```ts
 * import { hasDrivePrefix } from "./names.ts";
 * console.assert(hasDrivePrefix("C:/x") && hasDrivePrefix("c:x") && !hasDrivePrefix("1:x"));
 * ```
 */
export function hasDrivePrefix(s: string): boolean {
  return /^[A-Za-z]:/.test(s);
}

/** Whether a member name is absolute: a leading `/` or a drive prefix (anpkg.md §3.2 item 7). */
export function isAbsoluteName(name: string): boolean {
  return name.startsWith("/") || hasDrivePrefix(name);
}

/** Whether a name has a `..` segment. */
export function hasTraversalSegment(name: string): boolean {
  return name.split("/").includes("..");
}

/**
 * Why a member name is `member-name-invalid`, or `null`: empty, an empty segment (`a//b`; the
 * trailing `/` of a directory and the leading `/` of an absolute name do not count, those have
 * their own rules), a `.` segment, or a control character.
 *
 * @example
 * ```ts
 * import { invalidNameReason } from "./names.ts";
 * console.assert(invalidNameReason("a//b") !== null && invalidNameReason("dir/") === null);
 * ```
 */
export function invalidNameReason(name: string): string | null {
  if (name === "") return "The name is empty";
  if (hasControlCharacter(name)) return "The name contains a control character";
  let body = name.startsWith("/") ? name.slice(1) : name;
  if (body.endsWith("/")) body = body.slice(0, -1);
  const segments = body.split("/");
  if (segments.includes("")) return "The name has an empty segment";
  if (segments.includes(".")) return 'The name has a "." segment';
  return null;
}

/** The kind of a member as the name rules see it. */
export type MemberKind = "file" | "directory" | "symlink" | "other";

/** The minimal shape the `.anpkg` name rules need from an archive entry or a directory entry. */
export interface NamedMember {
  /** The name (`/`-separated, directories end with `/`), or `null` when it could not be decoded. */
  readonly name: string | null;
  /** Directory, regular file, symbolic link or anything else. */
  readonly kind: MemberKind;
  /** The entry carries data (a directory entry must not). */
  readonly hasData: boolean;
}

/** More spellings than this among one directory's children are paired with the first one only. */
const PAIRWISE_LIMIT = 8;

/**
 * The `.anpkg` member-name rules (anpkg.md §3.2 items 7–8): `member-name-invalid`,
 * `member-name-absolute`, `member-name-traversal`, `member-name-backslash`, `duplicate-member`
 * (every copy after the first), `member-path-conflict` (a file whose name is a directory prefix
 * of another entry), `directory-has-content`, `path-collision`, `member-symlink` and
 * `member-not-regular`. Entries without a name (`name-not-utf8`, reported by the reader) are skipped.
 *
 * `path-collision` is reported once per pair of differently spelled paths with equal collision
 * keys, at the level where the spellings first diverge: `Dir/x` beside `dir/x` is one collision
 * (`Dir` and `dir`), not a second one for the paths below. When more than eight spellings of one
 * name meet in one directory, each is paired with the first only, so the report stays linear in
 * the input.
 *
 * @example
 * ```ts
 * import { checkAnpkgMemberNames } from "./names.ts";
 * const problems = checkAnpkgMemberNames([
 *   { name: "../evil.yaml", kind: "file", hasData: true },
 *   { name: "Providers/x", kind: "file", hasData: true },
 *   { name: "providers/x", kind: "file", hasData: true },
 * ]);
 * console.assert(problems.map((p) => p.code).join() === "member-name-traversal,path-collision");
 * ```
 */
export function checkAnpkgMemberNames(entries: readonly NamedMember[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const name = e.name;
    if (name === null) continue;
    const member = { member: name };
    const invalid = invalidNameReason(name);
    if (invalid !== null) out.push(problem("member-name-invalid", invalid, member));
    if (isAbsoluteName(name)) {
      out.push(problem("member-name-absolute", `The name "${name}" is absolute`, member));
    }
    if (hasTraversalSegment(name)) {
      out.push(problem("member-name-traversal", `The name "${name}" has a ".." segment`, member));
    }
    if (name.includes("\\")) {
      out.push(problem("member-name-backslash", `The name "${name}" contains a backslash`, member));
    }
    if (seen.has(name)) {
      out.push(problem("duplicate-member", `The name "${name}" appears more than once`, member));
    }
    seen.add(name);
    if (e.kind === "directory" && e.hasData) {
      out.push(problem("directory-has-content", `The directory entry "${name}" carries data`, member));
    }
    if (e.kind === "symlink") {
      out.push(problem("member-symlink", `The entry "${name}" is a symbolic link`, member));
    }
    if (e.kind === "other") {
      out.push(problem("member-not-regular", `The entry "${name}" is not a regular file`, member));
    }
  }
  for (const p of pathConflictsAndCollisions(entries)) out.push(p);
  return out;
}

/** The path of an entry without its directory slash. */
function pathOf(e: NamedMember & { name: string }): string {
  return e.kind === "directory" && e.name.endsWith("/") ? e.name.slice(0, -1) : e.name;
}

/**
 * The spelled paths of all entries and their ancestors as a trie of segments, with each node's
 * collision-key node (the key of a path is the keys of its segments joined with `/`, because `/`
 * neither composes under NFC nor carries case context).
 */
class PathTrie {
  /** `${parent}/${segment}` → node id; node 0 is the root. */
  readonly #spelled = new Map<string, number>();
  /** `${parentKeyNode}/${segmentKey}` → key node id. */
  readonly #keyed = new Map<string, number>();
  readonly keyOf: number[] = [0];
  readonly parent: number[] = [-1];
  readonly segment: string[] = [""];
  /** The entry name that first spelled each node (for messages). */
  readonly firstMember: string[] = [""];
  /** A node is a directory: something lies below it, or a directory entry ends at it. */
  readonly isDirectory: boolean[] = [true];
  /** Spelled children of a key node, grouped per spelled parent: `${parent}/${keyNode}` → nodes. */
  readonly siblings = new Map<string, number[]>();
  /** Collision pairs in discovery order. */
  readonly pairs: [number, number][] = [];

  /** Inserts a path; returns its node. */
  insert(path: string, member: string, directory: boolean): number {
    let node = 0;
    let keyNode = 0;
    for (const seg of path.split("/")) {
      this.isDirectory[node] = true;
      const k = `${keyNode}/${collisionKey(seg)}`;
      let nextKey = this.#keyed.get(k);
      if (nextKey === undefined) {
        nextKey = this.#keyed.size + 1;
        this.#keyed.set(k, nextKey);
      }
      const sk = `${node}/${seg}`;
      let next = this.#spelled.get(sk);
      if (next === undefined) {
        next = this.keyOf.length;
        this.#spelled.set(sk, next);
        this.keyOf.push(nextKey);
        this.parent.push(node);
        this.segment.push(seg);
        this.firstMember.push(member);
        this.isDirectory.push(false);
        const group = `${node}/${nextKey}`;
        const others = this.siblings.get(group);
        if (others === undefined) this.siblings.set(group, [next]);
        else {
          const firsts = others.length >= PAIRWISE_LIMIT ? 1 : others.length;
          for (let i = 0; i < firsts; i++) this.pairs.push([others[i]!, next]);
          others.push(next);
        }
      }
      node = next;
      keyNode = nextKey;
    }
    if (directory) this.isDirectory[node] = true;
    return node;
  }

  /** The spelled path of a node. */
  pathOf(node: number): string {
    const segs: string[] = [];
    for (let n = node; n > 0; n = this.parent[n]!) segs.push(this.segment[n]!);
    return segs.reverse().join("/");
  }
}

/** `member-path-conflict` and `path-collision` over all named entries. */
function pathConflictsAndCollisions(entries: readonly NamedMember[]): Problem[] {
  const trie = new PathTrie();
  const files: { node: number; name: string }[] = [];
  for (const e of entries) {
    if (e.name === null) continue;
    const named = e as NamedMember & { name: string };
    const node = trie.insert(pathOf(named), e.name, e.kind === "directory");
    if (e.kind !== "directory") files.push({ node, name: e.name });
  }
  const out: Problem[] = [];
  const reported = new Set<number>();
  for (const f of files) {
    if (trie.isDirectory[f.node] && !reported.has(f.node)) {
      reported.add(f.node);
      out.push(
        problem("member-path-conflict", `The file "${f.name}" is also a directory of other entries`, {
          member: f.name,
        }),
      );
    }
  }
  for (const [a, b] of trie.pairs) {
    out.push(
      problem(
        "path-collision",
        `The paths "${trie.pathOf(a)}" and "${trie.pathOf(b)}" collide on case-insensitive file systems`,
        { member: trie.firstMember[b]! },
      ),
    );
  }
  return out;
}
