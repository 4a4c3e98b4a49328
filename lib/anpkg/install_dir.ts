/**
 * The install directory's shared parts, below `deploy`, `rollback` and `status` (see `deploy.ts`
 * for the layout and its guarantees): the lock, the action log, and reading and verifying the
 * releases and the links that point at them.
 *
 * @module
 */

import { AdaptiveSha256, sha256Hex } from "../digest.ts";
import { lstatOrNull } from "../fs/atomic.ts";
import { compareCodePoints, type Problem, problem } from "../report/report.ts";
import { decodeUtf8, pySplitLines, pyTrim } from "../text.ts";
import { CHECKSUMS_MEMBER } from "./checksums.ts";
import { readFileChunks } from "./directory.ts";

/** Name of the release metadata file inside each release directory. */
export const RELEASE_METADATA = ".release.json";
/** Name of the lock file inside the install directory. */
export const LOCK_FILE = ".lock";
/** Name of the action log inside the install directory. */
export const LOG_FILE = "deploy.log";
/** A release id: the first 12 hex digits of the package SHA-256. */
export const RELEASE_ID = /^[0-9a-f]{12}$/;
/** A SHA-256 as 64 lowercase hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Names that interrupted runs leave in the install directory. */
const LEFTOVER = /^(\.staging-|\.trash-|current\.tmp-|previous\.tmp-)/;

/** How a deploy or rollback ended. */
export type InstallResult = "deployed" | "rolled-back" | "unchanged" | "refused" | "failed";

/** The metadata file of a release (`.release.json`). */
export interface ReleaseMetadata {
  /** Version of this file's shape: 1. */
  readonly release_format: 1;
  /** The release id: the first 12 hex digits of `package_sha256`. */
  readonly id: string;
  /** SHA-256 of the package file. */
  readonly package_sha256: string;
  /** Size of the package file in bytes. */
  readonly package_size: number;
  /** The package file's base name as it was deployed. */
  readonly package_name: string;
  /** `source_project` from the package's provenance, when readable. */
  readonly source_project: string | null;
  /** `exported_at` from the package's provenance, when readable. */
  readonly exported_at: string | null;
  /** SHA-256 of `meta/checksums.sha256`, which does not list itself. */
  readonly checksums_sha256: string;
  /** When the release was extracted (ISO 8601, from the injected clock). */
  readonly deployed_at: string;
}

/** One line of `deploy.log`. */
export interface DeployLogEntry {
  /** When (ISO 8601, from the injected clock). */
  readonly time: string;
  /** Which command. */
  readonly action: "deploy" | "rollback";
  /** The release deployed or rolled back to. */
  readonly release: string | null;
  /** That release's package SHA-256. */
  readonly package_sha256: string | null;
  /** How it ended. */
  readonly result: InstallResult;
  /** The release that was current before a switch. */
  readonly previous: string | null;
  /** The package path as given (deploy only). */
  readonly package: string | null;
  /** Releases deleted by retention. */
  readonly removed: readonly string[];
  /** Leftovers of interrupted runs removed first. */
  readonly cleaned: readonly string[];
  /** The process that acted. */
  readonly pid: number;
  /** Why a deploy or rollback was refused or failed, or a note; `null` on success. */
  readonly message: string | null;
}

// ───────────────────────────── lock ─────────────────────────────

/** A held install lock. */
export interface InstallLock {
  /** Releases the lock (idempotent). */
  release(): void;
}

/** Pauses between attempts when the lock looks busy but names no holder (see {@link lockInstallDir}). */
const UNNAMED_HOLDER_RETRIES_MS = [5, 10, 20, 40, 80, 160];

/** The pid a lock holder wrote, or `null`. */
async function lockHolder(path: string): Promise<number | null> {
  try {
    const text = (await Deno.readTextFile(path)).trim();
    return /^[0-9]+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/**
 * Takes the install directory's lock without waiting: an exclusive advisory lock (`flock`) on
 * `<install>/.lock`, which then holds the owner's pid. The kernel drops the lock when its owner
 * exits for any reason, SIGKILL included, so a lock can never be left stale by a dead process
 * and no pid guessing is needed. Returns the lock, or the pid written by the holder (`null`
 * when unreadable) when another process holds it. The directory must exist.
 *
 * A busy lock whose file names no holder is tried again for about 0.3 s: every holder writes its
 * pid right after locking and empties the file before unlocking, so an empty file means the lock
 * is being taken or given up. It also means a process forked by another thread of this process
 * still shares the descriptor of a lock that was just released (it keeps the `flock` until it
 * executes its program).
 */
export async function lockInstallDir(
  installDir: string,
  pid: number,
): Promise<{ lock: InstallLock } | { heldBy: number | null }> {
  const path = `${installDir}/${LOCK_FILE}`;
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o644 });
  let locked = false;
  try {
    for (let attempt = 0;; attempt++) {
      locked = await file.tryLock(true);
      if (locked) break;
      const heldBy = await lockHolder(path);
      const pause = UNNAMED_HOLDER_RETRIES_MS[attempt];
      if (heldBy !== null || pause === undefined) return { heldBy };
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  } finally {
    if (!locked) file.close();
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${pid}\n`));
  let open = true;
  return {
    lock: {
      release(): void {
        if (!open) return;
        open = false;
        try {
          file.truncateSync(0);
        } catch {
          // the pid is informative only; closing releases the lock regardless
        }
        file.close();
      },
    },
  };
}

// ───────────────────────────── log ─────────────────────────────

/**
 * Appends one JSON line to `<install>/deploy.log` and flushes it. A line cut short by a killed
 * process is closed with a line feed first, so it cannot swallow the next entry.
 */
export async function appendDeployLog(installDir: string, entry: DeployLogEntry): Promise<void> {
  const file = await Deno.open(`${installDir}/${LOG_FILE}`, {
    read: true,
    append: true,
    create: true,
    mode: 0o644,
  });
  try {
    const size = (await file.stat()).size;
    let prefix = "";
    if (size > 0) {
      const last = new Uint8Array(1);
      await file.seek(size - 1, Deno.SeekMode.Start);
      if ((await file.read(last)) === 1 && last[0] !== 0x0a) prefix = "\n";
    }
    const bytes = new TextEncoder().encode(prefix + JSON.stringify(entry) + "\n");
    let at = 0;
    while (at < bytes.length) at += await file.write(bytes.subarray(at));
    await file.syncData();
  } finally {
    file.close();
  }
}

/**
 * Parses `deploy.log` text: every line that is a JSON object, in order; other lines (such as one
 * cut short by a killed process) are skipped.
 *
 * @example
 * ```ts
 * import { parseDeployLog } from "./install_dir.ts";
 * const lines = parseDeployLog('{"action":"deploy"}\n{"act\n{"action":"rollback"}\n');
 * console.assert(lines.length === 2);
 * ```
 */
export function parseDeployLog(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value = JSON.parse(line);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) out.push(value);
    } catch {
      // a partial line from an interrupted append
    }
  }
  return out;
}

// ───────────────────────────── releases ─────────────────────────────

/** Hashes a file in chunks. */
async function hashFile(path: string): Promise<string> {
  const hash = new AdaptiveSha256();
  await readFileChunks(path, (chunk) => hash.update(chunk));
  return await hash.hex();
}

/** Reads and checks a release's metadata; a string says why it is unusable. */
export async function readMetadata(dir: string): Promise<ReleaseMetadata | string> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${RELEASE_METADATA}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return `${RELEASE_METADATA} is missing`;
    if (err instanceof Deno.errors.NotCapable) throw err;
    return `${RELEASE_METADATA} cannot be read`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${RELEASE_METADATA} is not JSON`;
  }
  const m = value as Partial<Record<keyof ReleaseMetadata, unknown>>;
  if (
    value === null || typeof value !== "object" || m.release_format !== 1 || typeof m.id !== "string" ||
    typeof m.package_sha256 !== "string" || !SHA256_HEX.test(m.package_sha256) ||
    typeof m.checksums_sha256 !== "string" || !SHA256_HEX.test(m.checksums_sha256) ||
    typeof m.deployed_at !== "string"
  ) {
    return `${RELEASE_METADATA} lacks a field or has a wrong one`;
  }
  return value as ReleaseMetadata;
}

/** Parses a validated checksum file into name → digest. */
function parseChecksumLines(bytes: Uint8Array): Map<string, string> | null {
  const text = decodeUtf8(bytes);
  if (text === null) return null;
  const out = new Map<string, string>();
  for (const raw of pySplitLines(text)) {
    const line = pyTrim(raw);
    if (line === "") continue;
    const sep = line.indexOf("  ");
    if (sep < 0) return null;
    const digest = line.slice(0, sep);
    if (!SHA256_HEX.test(digest)) return null;
    out.set(line.slice(sep + 2), digest);
  }
  return out;
}

/** Every regular file under `root` as a `/`-joined relative name; a string on anything else. */
async function listFiles(root: string): Promise<string[] | string> {
  const files: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<string | null> => {
    for await (const e of Deno.readDir(dir)) {
      const name = prefix + e.name;
      if (e.isSymlink) return `"${name}" is a symbolic link`;
      if (e.isDirectory) {
        const bad = await walk(`${dir}/${e.name}`, `${name}/`);
        if (bad !== null) return bad;
      } else if (e.isFile) files.push(name);
      else return `"${name}" is not a regular file`;
    }
    return null;
  };
  const bad = await walk(root, "");
  return bad ?? files;
}

/**
 * Verifies a release directory: its metadata names `expectedId` (and `expectedSha256` when
 * given), the checksum file has the recorded SHA-256, the directory holds exactly the listed
 * members plus the checksum file and the metadata, and every listed file has its digest. Returns
 * the metadata, or a one-line reason.
 */
export async function verifyRelease(
  dir: string,
  expectedId: string,
  expectedSha256?: string,
): Promise<{ ok: true; metadata: ReleaseMetadata } | { ok: false; reason: string }> {
  const fail = (reason: string) => ({ ok: false as const, reason });
  const info = await lstatOrNull(dir);
  if (info === null) return fail("the release directory does not exist");
  if (!info.isDirectory) return fail("the release is not a directory");
  const metadata = await readMetadata(dir);
  if (typeof metadata === "string") return fail(metadata);
  if (metadata.id !== expectedId || metadata.package_sha256.slice(0, 12) !== expectedId) {
    return fail(`${RELEASE_METADATA} names another release`);
  }
  if (expectedSha256 !== undefined && metadata.package_sha256 !== expectedSha256) {
    return fail("the release holds a different package with the same id");
  }
  const files = await listFiles(dir);
  if (typeof files === "string") return fail(files);
  if (!files.includes(CHECKSUMS_MEMBER)) return fail(`"${CHECKSUMS_MEMBER}" is missing`);
  let checksumsBytes: Uint8Array;
  try {
    checksumsBytes = await Deno.readFile(`${dir}/${CHECKSUMS_MEMBER}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return fail(`"${CHECKSUMS_MEMBER}" cannot be read`);
  }
  if ((await sha256Hex(checksumsBytes)) !== metadata.checksums_sha256) {
    return fail(`"${CHECKSUMS_MEMBER}" differs from the deployed one`);
  }
  const listed = parseChecksumLines(checksumsBytes);
  if (listed === null) return fail(`"${CHECKSUMS_MEMBER}" cannot be parsed`);
  const present = new Set(files);
  for (const name of [...listed.keys()].sort(compareCodePoints)) {
    if (!present.has(name)) return fail(`"${name}" is missing`);
  }
  for (const name of files.sort(compareCodePoints)) {
    if (name === RELEASE_METADATA || name === CHECKSUMS_MEMBER) continue;
    const want = listed.get(name);
    if (want === undefined) return fail(`"${name}" is not part of the package`);
    let got: string;
    try {
      got = await hashFile(`${dir}/${name}`);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) throw err;
      return fail(`"${name}" cannot be read`);
    }
    if (got !== want) return fail(`"${name}" differs from its checksum`);
  }
  return { ok: true, metadata };
}

/** The release a link points at: an id, `null` when absent, or a reason it is not ours. */
export async function readReleaseLink(
  installDir: string,
  name: "current" | "previous",
): Promise<string | null | Problem> {
  const path = `${installDir}/${name}`;
  const info = await lstatOrNull(path);
  if (info === null) return null;
  const bad = (why: string) =>
    problem("install-dir-invalid", `"${path}" ${why}; deploy manages only links into releases/`, {
      member: name,
    });
  if (!info.isSymlink) return bad("is not a symbolic link");
  const target = await Deno.readLink(path);
  const m = /^releases\/([0-9a-f]{12})$/.exec(target);
  if (m === null) return bad(`points at "${target}"`);
  return m[1] as string;
}

/** Both links, or the first problem with one of them. */
export async function readLinks(
  installDir: string,
): Promise<{ current: string | null; previous: string | null } | Problem> {
  const current = await readReleaseLink(installDir, "current");
  if (current !== null && typeof current !== "string") return current;
  const previous = await readReleaseLink(installDir, "previous");
  if (previous !== null && typeof previous !== "string") return previous;
  return { current, previous };
}

/** Releases kept under `releases/`, by id (names that are not ids are ignored). */
export async function listReleaseIds(installDir: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const e of Deno.readDir(`${installDir}/releases`)) {
      if (RELEASE_ID.test(e.name) && e.isDirectory) ids.push(e.name);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return ids.sort(compareCodePoints);
}

/** Names in the install directory left by interrupted runs. */
export async function listLeftovers(installDir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(installDir)) if (LEFTOVER.test(e.name)) names.push(e.name);
  return names.sort(compareCodePoints);
}
