/**
 * Nothing half-done is ever visible: every write goes to a temporary name beside its target and
 * is moved into place only when complete. This module owns temporary names, the moves into
 * place and the clean-up of temporary files on failure or interruption; nobody else renames.
 *
 * @module
 */

const tracked = new Set<string>();
const interruptHooks = new Set<() => void>();
let listening = false;

function onSignal(signal: Deno.Signal): void {
  for (const hook of interruptHooks) {
    try {
      hook();
    } catch {
      // Best effort: the process is going away.
    }
  }
  for (const path of tracked) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // Best effort: the process is going away; the name is unique and documented.
    }
  }
  tracked.clear();
  Deno.exit(signal === "SIGINT" ? 130 : 143);
}

function listen(): void {
  if (listening || Deno.build.os === "windows") return;
  listening = true;
  try {
    Deno.addSignalListener("SIGINT", () => onSignal("SIGINT"));
    Deno.addSignalListener("SIGTERM", () => onSignal("SIGTERM"));
  } catch {
    // Signal listeners are unavailable in some embeddings; clean-up on failure still happens.
  }
}

/**
 * Registers a temporary path for removal if the process is interrupted (SIGINT/SIGTERM)
 * before {@link untrackTemp} is called.
 */
export function trackTemp(path: string): void {
  tracked.add(path);
  listen();
}

/** Forgets a temporary path (it was moved into place or removed). */
export function untrackTemp(path: string): void {
  tracked.delete(path);
}

/**
 * Runs `hook` (synchronously, before temporary paths are removed) if the process is interrupted;
 * returns a function that unregisters it. Used to stop child processes and to roll back.
 */
export function onInterrupt(hook: () => void): () => void {
  interruptHooks.add(hook);
  listen();
  return () => interruptHooks.delete(hook);
}

/** Random lowercase hex suffix for unique temporary names. */
export function randomSuffix(bytes = 6): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Splits a path into its directory (`.` when none) and base name. */
export function splitPath(path: string): { dir: string; base: string } {
  const i = path.lastIndexOf("/");
  if (i < 0) return { dir: ".", base: path };
  return { dir: i === 0 ? "/" : path.slice(0, i), base: path.slice(i + 1) };
}

/** Joins path parts with `/`. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/").replace(/\/{2,}/g, "/");
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Mode of the new file (before the umask); default 0o666 as a plain create would use. */
  mode?: number;
  /** Called after the temporary file is complete and before it is moved (a test hook). */
  beforeCommit?: (tempPath: string) => void | Promise<void>;
}

/**
 * Writes `data` to `path` through a unique temporary file in the same directory, flushed and then
 * renamed over `path` (replacing an existing file). On any failure the temporary file is removed
 * and `path` is untouched.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/out.txt`, new TextEncoder().encode("hi\n"));
 * console.assert(await Deno.readTextFile(`${dir}/out.txt`) === "hi\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const { dir, base } = splitPath(path);
  const temp = joinPath(dir, `.${base}.${randomSuffix()}.tmp`);
  trackTemp(temp);
  let file: Deno.FsFile | null = null;
  try {
    file = await Deno.open(temp, { write: true, createNew: true, mode: options.mode ?? 0o666 });
    let written = 0;
    while (written < data.length) written += await file.write(data.subarray(written));
    await file.syncData();
    file.close();
    file = null;
    await options.beforeCommit?.(temp);
    await Deno.rename(temp, path);
    untrackTemp(temp);
  } catch (err) {
    try {
      file?.close();
    } catch {
      // already closed
    }
    await removeQuietly(temp);
    untrackTemp(temp);
    throw err;
  }
}

/**
 * Moves a complete temporary file to `finalPath` without replacing anything that may have
 * appeared there meanwhile: a hard link (which fails if the path exists), then removal of the
 * temporary name. Where hard links are unsupported, checks for absence and renames.
 * Throws `Deno.errors.AlreadyExists` when `finalPath` exists.
 */
export async function commitNoReplace(tempPath: string, finalPath: string): Promise<void> {
  try {
    await Deno.link(tempPath, finalPath);
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) throw err;
    if (await exists(finalPath)) throw new Deno.errors.AlreadyExists(`"${finalPath}" already exists`);
    await Deno.rename(tempPath, finalPath);
    untrackTemp(tempPath);
    return;
  }
  await Deno.remove(tempPath);
  untrackTemp(tempPath);
}

/** Removes a path (recursively), ignoring "not found" and other failures. */
export async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch {
    // nothing to clean or not removable: callers report the outcome they care about
  }
}

/** `lstat` that returns `null` for a missing path. */
export async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/** True when something (any kind, dangling links included) exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  return (await lstatOrNull(path)) !== null;
}

/** Syncs a directory's entries to stable storage where the platform allows it. */
export async function syncDirectory(dir: string): Promise<void> {
  let f: Deno.FsFile | null = null;
  try {
    f = await Deno.open(dir, { read: true });
    await f.sync();
  } catch {
    // Not supported on every platform or file system; the rename itself is already atomic.
  } finally {
    f?.close();
  }
}

/**
 * True for operating-system failures: Deno's error classes, or Node errors carrying an errno
 * code (`ENOENT`, `ELOOP`, …). A missing Deno permission (`NotCapable`) counts too; callers that
 * report it differently test for it first.
 */
export function isSystemError(err: unknown): boolean {
  if (Object.values(Deno.errors).some((cls) => err instanceof cls)) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}
