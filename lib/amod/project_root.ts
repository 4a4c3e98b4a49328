/**
 * The project root shared by `snapshot`, `restore` and `list` (amod.md §4.2): a given path made
 * absolute without resolving symlinks, or discovery upwards from the working directory to the
 * first directory whose `.agentmod/agentmod.toml` is a regular file.
 *
 * @module
 */

import { type Problem, problem } from "../report/report.ts";
import { errorLine } from "../text.ts";

/** Rel path of the marker that makes a directory a project. */
const MARKER = ".agentmod/agentmod.toml";

/** The outcome of {@link resolveProjectRoot}. */
export type ProjectRootResult =
  | { readonly ok: true; readonly root: string }
  /** `project-not-found` (exit 1) or `io-error` (exit 3). */
  | { readonly ok: false; readonly problem: Problem };

/**
 * Makes a path absolute against `cwd` lexically: symlinks are not resolved, `.` segments and
 * repeated or trailing slashes are dropped, `..` segments are kept as written.
 *
 * @example
 * ```ts
 * import { absolutePath } from "./project_root.ts";
 * console.assert(absolutePath("proj/./x/", "/home/u") === "/home/u/proj/x");
 * console.assert(absolutePath("/a//b", "/ignored") === "/a/b");
 * console.assert(absolutePath(".", "/") === "/");
 * ```
 */
export function absolutePath(path: string, cwd: string): string {
  const full = path.startsWith("/") ? path : `${cwd}/${path}`;
  const kept = full.split("/").filter((s) => s !== "" && s !== ".");
  return `/${kept.join("/")}`;
}

function parentOf(dir: string): string | null {
  if (dir === "/") return null;
  const at = dir.lastIndexOf("/");
  return at <= 0 ? "/" : dir.slice(0, at);
}

async function isMarkerFile(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${dir === "/" ? "" : dir}/${MARKER}`)).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return false;
  }
}

/**
 * Discovery (§4.2, the reference's rule): starting at `start` (an absolute path, symlinks not
 * resolved) and walking up to the file system root, the first directory `D` for which
 * `D/.agentmod/agentmod.toml` exists and, following symlinks, is a regular file; `null` when there
 * is none.
 *
 * @example
 * ```ts
 * import { findProjectRoot } from "./project_root.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/.agentmod/claude`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/.agentmod/agentmod.toml`, "");
 * console.assert((await findProjectRoot(`${dir}/.agentmod/claude`)) === dir);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findProjectRoot(start: string): Promise<string | null> {
  for (let dir: string | null = absolutePath(start, "/"); dir !== null; dir = parentOf(dir)) {
    if (await isMarkerFile(dir)) return dir;
  }
  return null;
}

/**
 * Resolves the project root of a command (§4.2). Given: made absolute against `cwd` without
 * resolving symlinks; it must exist and be a directory (`project-not-found`), and a permission or
 * read failure is `io-error`. Omitted: {@link findProjectRoot} from `cwd`, `project-not-found`
 * with a hint to pass the root when nothing is found.
 *
 * @example
 * ```ts
 * import { resolveProjectRoot } from "./project_root.ts";
 * const r = await resolveProjectRoot("/nonexistent/project", "/");
 * console.assert(!r.ok && r.problem.code === "project-not-found");
 * ```
 */
export async function resolveProjectRoot(given: string | undefined, cwd: string): Promise<ProjectRootResult> {
  if (given === undefined) {
    const start = absolutePath(".", cwd);
    const root = await findProjectRoot(start);
    if (root !== null) return { ok: true, root };
    return {
      ok: false,
      problem: problem(
        "project-not-found",
        `No directory from "${start}" upwards holds "${MARKER}"; pass the project root as an argument`,
      ),
    };
  }
  const root = absolutePath(given, cwd);
  try {
    const info = await Deno.stat(root);
    if (info.isDirectory) return { ok: true, root };
    return {
      ok: false,
      problem: problem("project-not-found", `The project root "${root}" is not a directory`),
    };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return {
        ok: false,
        problem: problem("project-not-found", `The project root "${root}" does not exist`),
      };
    }
    if (err instanceof Deno.errors.NotCapable) throw err;
    const text = errorLine(err);
    return { ok: false, problem: problem("io-error", `Cannot read the project root "${root}": ${text}`) };
  }
}
