/**
 * Atomic directory and link moves for deploy (DESIGN.md principle 3): a staging directory that
 * becomes visible under its final name by one rename, a symbolic link replaced by renaming a
 * fresh link over it, and a directory retired by renaming it aside before it is deleted. Each
 * step leaves either the old or the new state on disk, never a mix; temporary names are unique
 * and registered with {@link trackTemp} so an interrupted process removes them.
 *
 * @module
 */

import {
  joinPath,
  randomSuffix,
  removeQuietly,
  splitPath,
  syncDirectory,
  trackTemp,
  untrackTemp,
} from "./atomic.ts";

/**
 * Creates a new, empty directory `<parent>/<prefix><random>` (mode before umask `mode`, default
 * 0o755) that no other process can have created, and returns its path. The parent must exist.
 *
 * @example
 * ```ts
 * import { createStagingDir } from "./swap.ts";
 * const parent = await Deno.makeTempDir();
 * const staging = await createStagingDir(parent, ".staging-");
 * console.assert((await Deno.stat(staging)).isDirectory);
 * await Deno.remove(parent, { recursive: true });
 * ```
 */
export async function createStagingDir(parent: string, prefix: string, mode = 0o755): Promise<string> {
  for (;;) {
    const path = joinPath(parent, `${prefix}${randomSuffix()}`);
    try {
      // mkdir without `recursive` fails when the name exists, so the directory is ours alone.
      await Deno.mkdir(path, { mode });
      trackTemp(path);
      return path;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
}

/**
 * Moves a complete directory to `finalPath`, which must not exist yet, and flushes the parent
 * directory so the new name survives a crash. Throws `Deno.errors.AlreadyExists` when
 * `finalPath` exists (a POSIX rename would silently replace an empty directory).
 *
 * @example
 * ```ts
 * import { commitDirectory, createStagingDir } from "./swap.ts";
 * const parent = await Deno.makeTempDir();
 * const staging = await createStagingDir(parent, ".staging-");
 * await commitDirectory(staging, `${parent}/release`);
 * console.assert((await Deno.stat(`${parent}/release`)).isDirectory);
 * await Deno.remove(parent, { recursive: true });
 * ```
 */
export async function commitDirectory(stagingPath: string, finalPath: string): Promise<void> {
  try {
    await Deno.lstat(finalPath);
    throw new Deno.errors.AlreadyExists(`"${finalPath}" already exists`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.rename(stagingPath, finalPath);
  untrackTemp(stagingPath);
  await syncDirectory(splitPath(finalPath).dir);
}

/** Options of {@link replaceSymlink}. */
export interface ReplaceSymlinkOptions {
  /** Called after the temporary link exists and before it is renamed into place (a test hook). */
  readonly beforeCommit?: (tempPath: string) => void | Promise<void>;
}

/**
 * Points the symbolic link `linkPath` at `target` atomically: a new link named
 * `<linkPath>.tmp-<random>` is created and renamed over `linkPath`, so a reader sees either the
 * old target or the new one, never a missing link. `linkPath` may be absent; it must not be a
 * directory. The containing directory is flushed afterwards. On failure the temporary link is
 * removed and `linkPath` is untouched.
 *
 * @example
 * ```ts
 * import { replaceSymlink } from "./swap.ts";
 * const dir = await Deno.makeTempDir();
 * await replaceSymlink(`${dir}/current`, "releases/a");
 * await replaceSymlink(`${dir}/current`, "releases/b");
 * console.assert(await Deno.readLink(`${dir}/current`) === "releases/b");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function replaceSymlink(
  linkPath: string,
  target: string,
  options: ReplaceSymlinkOptions = {},
): Promise<void> {
  const temp = `${linkPath}.tmp-${randomSuffix()}`;
  trackTemp(temp);
  try {
    await Deno.symlink(target, temp);
    await options.beforeCommit?.(temp);
    await Deno.rename(temp, linkPath);
    untrackTemp(temp);
  } catch (err) {
    await removeQuietly(temp);
    untrackTemp(temp);
    throw err;
  }
  await syncDirectory(splitPath(linkPath).dir);
}

/** Options of {@link retireDirectory}. */
export interface RetireOptions {
  /** Called after the directory was renamed aside and before it is deleted (a test hook). */
  readonly afterRename?: (asidePath: string) => void | Promise<void>;
}

/**
 * Removes a directory without ever exposing a half-deleted tree under its name: it is first
 * renamed to `<asideParent>/<prefix><random>` (one atomic step), then deleted there. An
 * interrupted deletion leaves only the aside name, which its owner cleans up later. Returns the
 * aside path.
 *
 * @example
 * ```ts
 * import { retireDirectory } from "./swap.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/old/sub`, { recursive: true });
 * await retireDirectory(`${dir}/old`, dir, ".trash-");
 * console.assert([...Deno.readDirSync(dir)].length === 0);
 * await Deno.remove(dir);
 * ```
 */
export async function retireDirectory(
  path: string,
  asideParent: string,
  prefix: string,
  options: RetireOptions = {},
): Promise<string> {
  const aside = joinPath(asideParent, `${prefix}${randomSuffix()}`);
  trackTemp(aside);
  await Deno.rename(path, aside);
  await syncDirectory(splitPath(path).dir);
  await options.afterRename?.(aside);
  await Deno.remove(aside, { recursive: true });
  untrackTemp(aside);
  return aside;
}

/**
 * Removes a symbolic link (never what it points to) and flushes its directory; a missing link is
 * fine.
 */
export async function removeSymlink(linkPath: string): Promise<void> {
  try {
    const info = await Deno.lstat(linkPath);
    if (!info.isSymlink) throw new Deno.errors.AlreadyExists(`"${linkPath}" is not a symbolic link`);
    await Deno.remove(linkPath);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  await syncDirectory(splitPath(linkPath).dir);
}
