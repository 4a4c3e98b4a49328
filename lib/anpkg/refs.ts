/**
 * Reference resolution against the member set only (anpkg.md §3.3): what "replay from a clean
 * extracted package root" means statically.
 *
 * @module
 */

import type { Code } from "../report/codes.ts";
import { isBlank } from "../text.ts";

/** The outcome of resolving one reference. */
export type RefResult =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly code: Code; readonly reason: string };

/** What references resolve against. */
export interface MemberIndex {
  /** Member names (files). */
  readonly files: ReadonlySet<string>;
  /** Directory paths implied by members or directory entries (no trailing slash). */
  readonly dirs: ReadonlySet<string>;
}

/**
 * True for the absolute forms of anpkg.md (§1.2, §3.3): `/…`, `X:/…` and `X:\…` (an ASCII letter
 * drive root). Unlike `lib/names.ts`'s `hasDrivePrefix`, a bare `X:` is not absolute here.
 */
export function isAbsoluteLike(p: string): boolean {
  return p.startsWith("/") || /^[A-Za-z]:[/\\]/.test(p);
}

/**
 * Normalizes a package-relative reference (§3.3 steps 1–4) without looking at members.
 *
 * @example
 * ```ts
 * import { normalizeRef } from "./refs.ts";
 * const r = normalizeRef("./providers//sim0.yaml");
 * console.assert(r.ok && r.name === "providers/sim0.yaml");
 * ```
 */
export function normalizeRef(value: unknown): RefResult {
  if (typeof value !== "string" || isBlank(value)) {
    return { ok: false, code: "path-invalid", reason: "is not a non-blank string" };
  }
  if (isAbsoluteLike(value)) {
    return { ok: false, code: "path-absolute", reason: "is absolute" };
  }
  if (value.includes("\\") || value.includes("\u0000")) {
    return { ok: false, code: "path-invalid", reason: "contains a backslash or NUL" };
  }
  const out: string[] = [];
  for (const seg of value.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) {
        return { ok: false, code: "path-escapes-root", reason: "climbs above the package root" };
      }
      out.pop();
    } else out.push(seg);
  }
  return { ok: true, name: out.join("/") };
}

/**
 * Resolves a reference that must name a member (§3.3 step 5). An informational reference
 * (`validation.check_http_script`) may be absent but must not name a directory.
 */
export function resolveRef(value: unknown, index: MemberIndex, informational = false): RefResult | null {
  const r = normalizeRef(value);
  if (!r.ok) return r;
  if (index.files.has(r.name)) return r;
  if (informational) {
    return index.dirs.has(r.name) || r.name === ""
      ? { ok: false, code: "ref-not-file", reason: "names a directory" }
      : null;
  }
  return { ok: false, code: "ref-target-missing", reason: `names no member ("${r.name}")` };
}
