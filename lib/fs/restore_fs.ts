/**
 * The file system operations `handoff restore` performs (amod.md §6.5–§6.10), behind one small
 * interface so that tests can wrap the real implementation and make any single step fail (tests
 * run as root, where permission errors never happen).
 *
 * Every operation has no-follow semantics where the path's last component could be a link:
 * `lstat` instead of `stat`, non-recursive `mkdir` (which never follows a link at its final
 * component), exclusive creates with `O_NOFOLLOW`, modes set through descriptors opened with
 * `O_NOFOLLOW` (immune to the umask and to a link swapped in by name), and a recursive removal
 * that never descends into links. The `node:fs` layer is imported lazily by
 * {@link loadRestoreFs}: commands that never restore do not pay for it.
 *
 * @module
 */

type NodeFs = typeof import("node:fs");

/** What is at a path, reduced to what restore needs. */
export interface EntryStat {
  /** The `lstat` kind: a link is reported as a link, never as what it points at. */
  readonly kind: "file" | "directory" | "symlink" | "other";
  /** `mode & 0o777`. */
  readonly perm: number;
}

/** A file created exclusively for writing, open until {@link ExclusiveFile.close}. */
export interface ExclusiveFile {
  /** Writes all of `chunk` at the current end. */
  write(chunk: Uint8Array): void;
  /** Sets the permission bits through the open descriptor (`fchmod`), so the umask cannot remove any. */
  chmod(perm: number): void;
  /** Closes the descriptor. Idempotent. */
  close(): void;
}

/**
 * The operations restore performs. Failures throw; "not found" is a value where restore needs
 * to ask for existence (`lstat`, `realPath`).
 */
export interface RestoreFs {
  /** `lstat`: the entry at `path` without following a final link, or `null` when there is none. */
  lstat(path: string): EntryStat | null;
  /** Creates one directory (never recursive; fails when anything exists at `path`). */
  mkdir(path: string, mode: number): void;
  /**
   * Creates a regular file with `O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW`: any existing path,
   * a dangling link included, is a failure, so nothing is ever overwritten or written through a link.
   */
  createExclusive(path: string, mode: number): ExclusiveFile;
  /** Creates a symbolic link at `path` holding `target` verbatim. */
  symlink(target: string, path: string): void;
  /** Opens a directory with `O_RDONLY | O_DIRECTORY | O_NOFOLLOW` and `fchmod`s it. */
  chmodDirectory(path: string, perm: number): void;
  /** One `rename(2)`. */
  rename(from: string, to: string): void;
  /**
   * Removes a tree without following links; directories inside are first given owner `rwx` so
   * that restrictive modes cannot block the removal.
   */
  removeTree(path: string): void;
  /** The canonical path with every link resolved, or `null` when the path (or a link's target) does not exist. */
  realPath(path: string): string | null;
  /** Reads a whole regular file, refusing to follow a final link. */
  readFile(path: string): Uint8Array;
  /** Appends to an existing regular file, refusing to follow a final link. */
  append(path: string, bytes: Uint8Array): void;
}

function kindOf(info: Deno.FileInfo): EntryStat["kind"] {
  if (info.isSymlink) return "symlink";
  if (info.isDirectory) return "directory";
  if (info.isFile) return "file";
  return "other";
}

function isAbsent(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

function writeAll(fs: NodeFs, fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}

/** Sets the mode of a directory through a descriptor that cannot be a link. */
function fchmodDirectory(fs: NodeFs, path: string, mode: number): void {
  const c = fs.constants;
  const fd = fs.openSync(path, c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW);
  try {
    fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Gives every real directory of a tree owner `rwx`, then removes the tree. Links are never
 * followed: only entries `lstat` shows as directories are opened (with `O_NOFOLLOW`) or listed.
 */
function removeTreeNoFollow(fs: NodeFs, root: string): void {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(dir);
    } catch (err) {
      if (isAbsent(err)) continue;
      throw err;
    }
    if (!info.isDirectory) continue;
    const mode = (info.mode ?? 0) & 0o7777;
    if ((mode & 0o700) !== 0o700) {
      try {
        fchmodDirectory(fs, dir, mode | 0o700);
      } catch (err) {
        // Opening needs read permission, which a mode like 0000 takes away from a non-root
        // owner; the entry was just confirmed to be a real directory, so set it by name.
        if (!(err instanceof Error && "code" in err && err.code === "EACCES")) throw err;
        Deno.chmodSync(dir, mode | 0o700);
      }
    }
    for (const e of Deno.readDirSync(dir)) if (e.isDirectory) stack.push(`${dir}/${e.name}`);
  }
  // Deno's recursive removal deletes links themselves, never what they point at.
  Deno.removeSync(root, { recursive: true });
}

/** The real file system over `node:fs` (descriptor operations) and Deno's synchronous calls. */
function realRestoreFs(fs: NodeFs): RestoreFs {
  const c = fs.constants;
  return {
    lstat(path: string): EntryStat | null {
      try {
        const info = Deno.lstatSync(path);
        return { kind: kindOf(info), perm: (info.mode ?? 0) & 0o777 };
      } catch (err) {
        if (isAbsent(err)) return null;
        throw err;
      }
    },
    mkdir(path: string, mode: number): void {
      Deno.mkdirSync(path, { mode });
    },
    createExclusive(path: string, mode: number): ExclusiveFile {
      const fd = fs.openSync(path, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, mode);
      let open = true;
      return {
        write: (chunk) => writeAll(fs, fd, chunk),
        chmod: (perm) => fs.fchmodSync(fd, perm),
        close: () => {
          if (!open) return;
          open = false;
          fs.closeSync(fd);
        },
      };
    },
    symlink(target: string, path: string): void {
      Deno.symlinkSync(target, path);
    },
    chmodDirectory(path: string, perm: number): void {
      fchmodDirectory(fs, path, perm);
    },
    rename(from: string, to: string): void {
      Deno.renameSync(from, to);
    },
    removeTree(path: string): void {
      removeTreeNoFollow(fs, path);
    },
    realPath(path: string): string | null {
      try {
        return Deno.realPathSync(path);
      } catch (err) {
        if (isAbsent(err)) return null;
        throw err;
      }
    },
    readFile(path: string): Uint8Array {
      const fd = fs.openSync(path, c.O_RDONLY | c.O_NOFOLLOW);
      try {
        return new Uint8Array(fs.readFileSync(fd));
      } finally {
        fs.closeSync(fd);
      }
    },
    append(path: string, bytes: Uint8Array): void {
      const fd = fs.openSync(path, c.O_WRONLY | c.O_APPEND | c.O_NOFOLLOW);
      try {
        writeAll(fs, fd, bytes);
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

let loaded: Promise<RestoreFs> | null = null;

/**
 * The real {@link RestoreFs}. Imports `node:fs` on first use (for `O_NOFOLLOW`, `O_DIRECTORY`
 * and `fchmod`, which Deno's own API lacks).
 *
 * @example
 * ```ts
 * import { loadRestoreFs } from "./restore_fs.ts";
 * const fs = await loadRestoreFs();
 * const dir = await Deno.makeTempDir();
 * const f = fs.createExclusive(`${dir}/a.txt`, 0o600);
 * f.write(new TextEncoder().encode("hi"));
 * f.chmod(0o640);
 * f.close();
 * console.assert(fs.lstat(`${dir}/a.txt`)?.perm === 0o640);
 * console.assert(fs.lstat(`${dir}/missing`) === null);
 * fs.removeTree(dir);
 * ```
 */
export function loadRestoreFs(): Promise<RestoreFs> {
  loaded ??= import("node:fs").then((fs) => realRestoreFs(fs as unknown as NodeFs));
  return loaded;
}
