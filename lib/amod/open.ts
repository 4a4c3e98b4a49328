/**
 * Opening a snapshot (amod.md §5.1, §5.8): an `.amod` file or a tree package directory becomes one
 * uniform list of entries plus phase-1 problems, behind a handle that holds the single open file
 * (or the tree root) through which every later read goes — restore relies on that (§6.5).
 *
 * The archive side is the strict container walk of `lib/zip/read.ts`; the tree side lists the
 * package root, `lstat`s the six root files and walks `payload/` without following links, in walk
 * order, counting the member limit while walking.
 *
 * @module
 */

import { compareCodePoints, type Problem, problem } from "../report/report.ts";
import { decodeEntry, type DecodeSink, type OutputLender } from "../zip/decode.ts";
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../zip/format.ts";
import type { ZipLimits } from "../zip/limits.ts";
import { readZip, type ZipEntry } from "../zip/read.ts";
import { fileSource, type ZipSource } from "../zip/source.ts";
import { errorLine } from "../text.ts";

/** What a snapshot entry is: the unix type of its mode (archive) or of its `lstat` (tree). */
export type SnapshotEntryKind = "file" | "directory" | "symlink" | "other";

/** The form of an opened snapshot, as the report's `input_kind` names it. */
export type SnapshotInputKind = "archive" | "directory";

/** One member of a snapshot, in central directory order (archive) or walk order (tree). */
export interface SnapshotEntry {
  /** Position in {@link SnapshotHandle.entries}. */
  readonly index: number;
  /** The member name (`payload/…/` for directories), or `null` when it is not valid UTF-8. */
  readonly name: string | null;
  /** The name's bytes as stored (archive) or as listed (tree); duplicates compare these. */
  readonly nameBytes: Uint8Array;
  /** The name for messages (U+FFFD for undecodable bytes). */
  readonly displayName: string;
  /**
   * Kind from the unix mode: `0o040000` directory, `0o120000` symlink, `0o100000` file; no type
   * bits read as a directory when the name ends with `/` or the MS-DOS directory bit is set and as
   * a regular file otherwise (§1.8); any other type is `other`.
   */
  readonly kind: SnapshotEntryKind;
  /** The raw unix mode with type and special bits, or `null` when the host records none. */
  readonly mode: number | null;
  /** `mode & 0o777`, or `null`. */
  readonly perm: number | null;
  /** The MS-DOS directory attribute bit is set (archives only). */
  readonly dosDirectory: boolean;
  /** Declared uncompressed size (archive); `lstat` size or link target length in bytes (tree). */
  readonly size: number;
  /** Declared compressed size (archive); equal to {@link size} for a tree. */
  readonly compressedSize: number;
  /**
   * False when an entry-level container problem concerns the entry (§5.2), or when a tree entry
   * cannot be read as what it is (an undecodable link target, a special file): its content must
   * not be read, or not be trusted.
   */
  readonly readable: boolean;
  /** Tree only: the link target could not be decoded as UTF-8 (`symlink-target-invalid`). */
  readonly targetInvalid: boolean;
  /** The container entry behind an archive member, `null` for a tree. */
  readonly zip: ZipEntry | null;
}

/** How reading one entry's content ended. */
export type ReadOutcome =
  /** The whole content was delivered; `size` bytes. */
  | { readonly status: "ok"; readonly size: number }
  /** A container problem found while decoding (`zip-size-mismatch`, `zip-crc-mismatch`, …). */
  | { readonly status: "problem"; readonly problem: Problem; readonly size: number }
  /** Reading stopped because more than `maxBytes` would have been delivered. */
  | { readonly status: "limit"; readonly size: number };

/** Options of {@link SnapshotHandle.read}. */
export interface ReadOptions {
  /** Deliver at most this many bytes; beyond, stop with status `limit`. */
  readonly maxBytes?: number;
  /**
   * Serve the read from a read-ahead window (archives): much faster for many small members read
   * in archive order, as validation does. Bytes may come from an earlier read; a later read
   * without this option drops the window and reads the file afresh.
   */
  readonly readAhead?: boolean;
  /**
   * Reuse the read (and inflate) buffers from chunk to chunk instead of allocating per chunk:
   * each chunk is then valid only until the sink's promise settles (see `DecodeOptions`).
   */
  readonly reuseBuffers?: boolean;
  /** Lends the buffers a deflated member is inflated into (archives; see `DecodeOptions`). */
  readonly lender?: OutputLender;
  /**
   * Computes the CRC-32 elsewhere (archives; see `DecodeOptions`). Tree packages have no CRC-32:
   * they never call it.
   */
  readonly crc?: () => Promise<number>;
}

/** An open snapshot. Close it when done; every read of its content goes through it. */
export interface SnapshotHandle {
  /** The input path as given. */
  readonly input: string;
  /** `archive` for an `.amod` file, `directory` for a tree package. */
  readonly kind: SnapshotInputKind;
  /** Entries (empty when a fatal phase-1 problem stopped the walk). */
  readonly entries: readonly SnapshotEntry[];
  /** Phase-1 problems in discovery order. */
  readonly problems: readonly Problem[];
  /** A fatal phase-1 problem: no later phase may run. */
  readonly fatal: boolean;
  /** `limit-total-bytes` was reported: no payload content may be decoded. */
  readonly overTotalBytes: boolean;
  /**
   * Streams an entry's content to `sink`: the decoded data of an archive member (CRC-32 and sizes
   * checked), a tree file's bytes, or a tree link's target. Operating-system failures throw.
   */
  read(entry: SnapshotEntry, sink: DecodeSink, options?: ReadOptions): Promise<ReadOutcome>;
  /** Releases the file handle. Idempotent. */
  close(): void;
}

/** Outcome of {@link openSnapshot}: a handle, or the input-level problem that prevented one. */
export type OpenResult =
  | { readonly ok: true; readonly handle: SnapshotHandle }
  | {
    readonly ok: false;
    readonly inputKind: SnapshotInputKind;
    /** One of `input-not-found`, `input-unsupported`, `io-error`. */
    readonly problems: readonly Problem[];
  };

/** An open file as the snapshot reader uses it (a `Deno.FsFile` has all of this). */
export interface SnapshotFile {
  /** Reads into `buffer`; the byte count, or `null` at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Moves the read position. */
  seek(offset: number | bigint, whence: Deno.SeekMode): Promise<number>;
  /** Facts about the open file. */
  stat(): Promise<Deno.FileInfo>;
  /** Releases the handle. */
  close(): void;
}

/**
 * The file system operations the reader performs, injectable so tests can simulate
 * operating-system failures (tests run as root, where permission errors do not happen).
 */
export interface SnapshotFs {
  /** `stat`, following symlinks. */
  stat(path: string): Promise<Deno.FileInfo>;
  /** `lstat`, not following symlinks. */
  lstat(path: string): Promise<Deno.FileInfo>;
  /** Opens a file for reading. */
  open(path: string): Promise<SnapshotFile>;
  /** Lists a directory. */
  readDir(path: string): AsyncIterable<Deno.DirEntry>;
  /** Reads a link's target. */
  readLink(path: string): Promise<string>;
}

/** The real file system. */
export const DENO_SNAPSHOT_FS: SnapshotFs = {
  stat: (path) => Deno.stat(path),
  lstat: (path) => Deno.lstat(path),
  open: (path) => Deno.open(path, { read: true }),
  readDir: (path) => Deno.readDir(path),
  readLink: (path) => Deno.readLink(path),
};

/** Options of {@link openSnapshot}. */
export interface OpenOptions {
  /** Member, byte and ratio limits (`0` disables one). */
  readonly limits: ZipLimits;
  /** File system to read through (default: the real one). */
  readonly fs?: SnapshotFs;
}

/**
 * Thrown when a tree package changes while it is read (a file whose size or identity differs from
 * its `lstat`): an operational failure, reported as `io-error` like any other read failure.
 */
export class SnapshotChangedError extends Error {
  /** Builds the error for one path. */
  constructor(path: string, what: string) {
    super(`"${path}" changed while it was being read: ${what}`);
    this.name = "SnapshotChangedError";
  }
}

/**
 * True for failures that mean "the operating system could not read the input" (`io-error`,
 * exit 3). A missing Deno permission (`NotCapable`) is not one of them: the CLI names the flag.
 */
export function isReadFailure(err: unknown): boolean {
  if (err instanceof Deno.errors.NotCapable) return false;
  if (err instanceof SnapshotChangedError) return true;
  return Object.values(Deno.errors).some((cls) => err instanceof cls);
}

/** Root member names in the order `root-member-missing` is reported (§5.3). */
export const ROOT_MEMBERS: readonly string[] = [
  "manifest.json",
  "inventory.json",
  "checksums.txt",
  "REDACTION.md",
  "HANDOFF.md",
  "RESTORE.md",
];

const PAYLOAD = "payload";
const encoder = new TextEncoder();
/** Tree files and archive data are read in pieces of this size. */
const CHUNK = 1024 * 1024;

/**
 * Opens a snapshot path (amod.md §5.1): a regular file is read as an `.amod` archive, a directory
 * as a tree package. A missing path is `input-not-found`; a fifo, socket or device is
 * `input-unsupported` and is never opened; an operating-system failure is `io-error`. A missing
 * Deno permission throws (`Deno.errors.NotCapable`).
 *
 * @example
 * ```ts
 * import { openSnapshot } from "./open.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const r = await openSnapshot("/nonexistent/x.amod", { limits: AMOD_LIMITS });
 * console.assert(!r.ok && r.problems[0]?.code === "input-not-found");
 * ```
 */
export async function openSnapshot(path: string, options: OpenOptions): Promise<OpenResult> {
  const fs = options.fs ?? DENO_SNAPSHOT_FS;
  const guess: SnapshotInputKind = "archive";
  const fail = (kind: SnapshotInputKind, p: Problem): OpenResult => ({
    ok: false,
    inputKind: kind,
    problems: [p],
  });
  let info: Deno.FileInfo;
  try {
    info = await fs.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return fail(guess, problem("input-not-found", `"${path}" does not exist`));
    }
    if (!isReadFailure(err)) throw err;
    return fail(guess, problem("io-error", `Cannot read "${path}": ${errorLine(err)}`));
  }
  if (info.isDirectory) {
    try {
      return { ok: true, handle: await openTree(path, fs, options.limits) };
    } catch (err) {
      if (!isReadFailure(err)) throw err;
      return fail(
        "directory",
        problem("io-error", `Cannot read the tree package "${path}": ${errorLine(err)}`),
      );
    }
  }
  if (!info.isFile) {
    return fail(guess, problem("input-unsupported", `"${path}" is neither a regular file nor a directory`));
  }
  let file: SnapshotFile;
  try {
    file = await fs.open(path);
  } catch (err) {
    if (!isReadFailure(err)) throw err;
    return fail(guess, problem("io-error", `Cannot open "${path}": ${errorLine(err)}`));
  }
  try {
    // Judge what was actually opened, not what the path showed a moment earlier.
    const opened = await file.stat();
    if (!opened.isFile) {
      file.close();
      return fail(guess, problem("input-unsupported", `"${path}" is neither a regular file nor a directory`));
    }
    const handle = await openArchiveSource(
      fileSource(file, opened.size),
      path,
      options.limits,
      () => file.close(),
    );
    return { ok: true, handle };
  } catch (err) {
    file.close();
    if (!isReadFailure(err)) throw err;
    return fail(guess, problem("io-error", `Cannot read "${path}": ${errorLine(err)}`));
  }
}

/** Kind of an archive entry from its unix mode (§1.3, §1.8). */
function archiveKind(z: ZipEntry): SnapshotEntryKind {
  const nameDir = z.nameBytes[z.nameBytes.length - 1] === 0x2f;
  const dosDir = (z.externalAttributes & 0x10) !== 0;
  if (z.unixMode === null) return z.kind === "directory" ? "directory" : "file";
  switch (z.unixMode & S_IFMT) {
    case S_IFDIR:
      return "directory";
    case S_IFLNK:
      return "symlink";
    case S_IFREG:
      return "file";
    case 0:
      return nameDir || dosDir ? "directory" : "file";
    default:
      return "other";
  }
}

/** Size of the read-ahead window of {@link windowedSource}. */
const WINDOW = 1024 * 1024;

/**
 * A source that serves small reads from a read-ahead window: decoding 100 000 small members in
 * archive order then costs one file read per window instead of a seek and a read per member.
 * Reads of a window's size or more pass through. Each refill allocates a new window, so bytes
 * handed out earlier stay valid (sinks may keep them). `reset` forgets the window, so that later
 * reads see the file as it is now.
 */
function windowedSource(source: ZipSource): { source: ZipSource; reset: () => void } {
  let start = 0;
  let window: Uint8Array = new Uint8Array(0);
  return {
    reset(): void {
      start = 0;
      window = new Uint8Array(0);
    },
    source: {
      size: source.size,
      async read(offset: number, length: number): Promise<Uint8Array> {
        if (offset >= start && offset + length <= start + window.length) {
          return window.subarray(offset - start, offset - start + length);
        }
        if (length >= WINDOW) return await source.read(offset, length);
        const take = Math.min(WINDOW, source.size - offset);
        if (take < length) return await source.read(offset, length);
        window = await source.read(offset, take);
        start = offset;
        return window.subarray(0, length);
      },
      readInto(offset: number, target: Uint8Array): Promise<Uint8Array> {
        // Large reads pass through, as in `read`; smaller ones are served from the window.
        if (target.length >= WINDOW && source.readInto !== undefined) return source.readInto(offset, target);
        return this.read(offset, target.length);
      },
    },
  };
}

/**
 * Opens an `.amod` held by any {@link ZipSource} (a file, bytes in memory, a test's counting
 * source). `onClose` releases whatever backs the source.
 *
 * @example
 * ```ts
 * import { openArchiveSource } from "./open.ts";
 * import { bytesSource } from "../zip/source.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const h = await openArchiveSource(bytesSource(new Uint8Array(3)), "x.amod", AMOD_LIMITS);
 * console.assert(h.fatal && h.problems[0]?.code === "zip-no-end-record");
 * ```
 */
export async function openArchiveSource(
  source: ZipSource,
  input: string,
  limits: ZipLimits,
  onClose: () => void = () => {},
): Promise<SnapshotHandle> {
  const archive = await readZip(source, { limits, requireUnixHost: true });
  const ahead = windowedSource(source);
  const entries: SnapshotEntry[] = archive.entries.map((z, index) => ({
    index,
    name: z.name,
    nameBytes: z.nameBytes,
    displayName: z.displayName,
    kind: archiveKind(z),
    mode: z.unixMode,
    perm: z.unixMode === null ? null : z.unixMode & 0o777,
    dosDirectory: (z.externalAttributes & 0x10) !== 0,
    size: z.uncompressedSize,
    compressedSize: z.compressedSize,
    readable: z.readable,
    targetInvalid: false,
    zip: z,
  }));
  let closed = false;
  return {
    input,
    kind: "archive",
    entries,
    problems: archive.problems,
    fatal: archive.fatal,
    overTotalBytes: archive.overTotalBytes,
    async read(entry: SnapshotEntry, sink: DecodeSink, options: ReadOptions = {}): Promise<ReadOutcome> {
      if (entry.zip === null) throw new TypeError("The entry does not belong to this archive");
      const decodeOptions = {
        ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
        reuseBuffers: options.reuseBuffers === true,
        ...(options.lender === undefined ? {} : { lender: options.lender }),
        ...(options.crc === undefined ? {} : { crc: options.crc }),
      };
      if (options.readAhead === true) return await decodeEntry(ahead.source, entry.zip, sink, decodeOptions);
      // A plain read sees the file as it is now (restore re-checks what it extracts, §6.6).
      ahead.reset();
      return await decodeEntry(source, entry.zip, sink, decodeOptions);
    },
    close(): void {
      if (closed) return;
      closed = true;
      onClose();
    },
  };
}

/** A tree entry with where it lives on disk. */
interface TreeEntry {
  entry: SnapshotEntry;
  path: string;
  info: Deno.FileInfo | null;
  target: Uint8Array | null;
}

function treeKind(info: Deno.FileInfo): SnapshotEntryKind {
  if (info.isSymlink) return "symlink";
  if (info.isDirectory) return "directory";
  if (info.isFile) return "file";
  return "other";
}

/** Reads a tree package (§5.8). */
async function openTree(root: string, fs: SnapshotFs, limits: ZipLimits): Promise<SnapshotHandle> {
  const problems: Problem[] = [];
  const found: TreeEntry[] = [];
  let fatal = false;
  let total = 0;
  const base = root.endsWith("/") ? root.slice(0, -1) : root;

  const listSorted = async (dir: string): Promise<string[]> => {
    const names: string[] = [];
    for await (const d of fs.readDir(dir)) names.push(d.name);
    return names.sort(compareCodePoints);
  };

  /** Adds one entry; `null` once the member limit is exceeded (the walk stops there). */
  const add = async (path: string, name: string, rootLevel: boolean): Promise<TreeEntry | null> => {
    let info: Deno.FileInfo | null = null;
    try {
      info = await fs.lstat(path);
    } catch (err) {
      // Deno lists undecodable bytes as U+FFFD; that spelling then names nothing (§4.6 step 1).
      if (!(err instanceof Deno.errors.NotFound && name.includes("\ufffd"))) throw err;
    }
    const kind: SnapshotEntryKind = info === null ? "other" : treeKind(info);
    const memberName = info === null
      ? null
      : kind === "directory" && !(rootLevel && ROOT_MEMBERS.includes(name))
      ? `${name}/`
      : name;
    let target: Uint8Array | null = null;
    let targetInvalid = false;
    let size = 0;
    if (kind === "symlink") {
      try {
        target = encoder.encode(await fs.readLink(path));
        size = target.length;
      } catch (err) {
        if (!(err instanceof Deno.errors.InvalidData)) throw err;
        targetInvalid = true;
      }
    } else if (kind === "file") size = info!.size;
    total += size;
    const display = memberName ?? (kind === "directory" ? `${name}/` : name);
    const mode = info?.mode ?? null;
    const entry: SnapshotEntry = {
      index: found.length,
      name: memberName,
      nameBytes: encoder.encode(display),
      displayName: display,
      kind,
      mode,
      perm: mode === null ? null : mode & 0o777,
      dosDirectory: false,
      size,
      compressedSize: size,
      readable: memberName !== null && !targetInvalid && kind !== "other",
      targetInvalid,
      zip: null,
    };
    if (memberName === null) {
      problems.push(problem(
        "name-not-utf8",
        `The name "${display}" is not valid UTF-8 (it cannot be opened under the spelling it is listed with)`,
        { member: display },
      ));
    }
    const t: TreeEntry = { entry, path, info, target };
    found.push(t);
    if (limits.maxMembers > 0 && found.length > limits.maxMembers) {
      problems.push(problem(
        "limit-members",
        `The tree package has more than ${limits.maxMembers} entries, the limit`,
      ));
      fatal = true;
      return null;
    }
    return t;
  };

  const rootNames = await listSorted(base);
  const others: string[] = [];
  let payloadIsDir = false;
  for (const name of rootNames) {
    if (name === PAYLOAD) {
      const info = await fs.lstat(`${base}/${PAYLOAD}`);
      if (info.isDirectory && !info.isSymlink) {
        payloadIsDir = true;
        continue;
      }
    }
    others.push(name);
  }

  // Payload first, in walk order: depth first, names in UTF-8 order, a directory before its
  // contents. An explicit stack keeps deep trees off the call stack.
  if (payloadIsDir) {
    const stack: { dir: string; rel: string; names: string[]; at: number }[] = [
      { dir: `${base}/${PAYLOAD}`, rel: `${PAYLOAD}/`, names: await listSorted(`${base}/${PAYLOAD}`), at: 0 },
    ];
    walk: while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.at >= top.names.length) {
        stack.pop();
        continue;
      }
      const name = top.names[top.at++]!;
      const path = `${top.dir}/${name}`;
      const t = await add(path, `${top.rel}${name}`, false);
      if (t === null) break walk;
      if (t.entry.kind === "directory") {
        stack.push({ dir: path, rel: `${top.rel}${name}/`, names: await listSorted(path), at: 0 });
      }
    }
  }
  if (!fatal) {
    for (const name of others) {
      if ((await add(`${base}/${name}`, name, true)) === null) break;
    }
  }

  let overTotalBytes = false;
  if (!fatal && limits.maxTotalBytes > 0 && total > limits.maxTotalBytes) {
    overTotalBytes = true;
    problems.push(problem(
      "limit-total-bytes",
      `The tree package holds ${total} bytes in files and link targets, more than the limit of ${limits.maxTotalBytes}`,
    ));
  }

  const byEntry = new Map<SnapshotEntry, TreeEntry>(found.map((t) => [t.entry, t]));
  return {
    input: root,
    kind: "directory",
    entries: fatal ? [] : found.map((t) => t.entry),
    problems,
    fatal,
    overTotalBytes,
    async read(entry: SnapshotEntry, sink: DecodeSink, options: ReadOptions = {}): Promise<ReadOutcome> {
      const t = byEntry.get(entry);
      if (t === undefined) throw new TypeError("The entry does not belong to this tree package");
      const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
      if (entry.kind === "directory") return { status: "ok", size: 0 };
      if (entry.kind === "symlink") {
        if (t.target === null) throw new TypeError("The link target is not readable");
        if (t.target.length > maxBytes) return { status: "limit", size: 0 };
        if (t.target.length > 0) await sink(t.target);
        return { status: "ok", size: t.target.length };
      }
      if (entry.kind !== "file") throw new TypeError("Only files, links and directories can be read");
      return await readTreeFile(fs, t, sink, maxBytes, options.reuseBuffers === true);
    },
    close(): void {},
  };
}

/** Streams one tree file, insisting that it is still the file that was listed. */
async function readTreeFile(
  fs: SnapshotFs,
  t: TreeEntry,
  sink: DecodeSink,
  maxBytes: number,
  reuseBuffer: boolean,
): Promise<ReadOutcome> {
  const file = await fs.open(t.path);
  const reused = reuseBuffer ? new Uint8Array(CHUNK) : null;
  try {
    const now = await file.stat();
    const was = t.info!;
    if (
      !now.isFile || (was.ino !== null && now.ino !== null && (now.ino !== was.ino || now.dev !== was.dev))
    ) {
      throw new SnapshotChangedError(t.path, "it is no longer the regular file that was listed");
    }
    const expected = was.size;
    let size = 0;
    for (;;) {
      // A fresh buffer per piece unless the caller's sink copies what it keeps (hashers buffer
      // small inputs).
      const want = Math.min(CHUNK, expected - size + 1);
      const buffer = reused === null ? new Uint8Array(want) : reused.subarray(0, want);
      const n = await file.read(buffer);
      if (n === null || n === 0) break;
      if (size + n > expected) throw new SnapshotChangedError(t.path, `it grew beyond ${expected} bytes`);
      if (size + n > maxBytes) return { status: "limit", size };
      size += n;
      await sink(buffer.subarray(0, n));
    }
    if (size !== expected) {
      throw new SnapshotChangedError(t.path, `it shrank to ${size} of ${expected} bytes`);
    }
    return { status: "ok", size };
  } finally {
    file.close();
  }
}
