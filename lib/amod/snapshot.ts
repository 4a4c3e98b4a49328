/**
 * Creating an `.amod` snapshot (amod.md §4.3–§4.10): preconditions, the plan phase of `walk.ts`, the
 * write phase into a temporary file beside the output, the hard-finding gate, the six root members
 * and the commit that never replaces an existing file. The payload pass — reading each kept file
 * once, without following symlinks, feeding SHA-256, the scanner, the byte count and the sink from
 * the same chunks — is {@link PayloadPacker}; the tree package (`tree.ts`) uses it with another
 * sink, so both forms pack identical payloads.
 *
 * The library never prints, never reads the environment and never starts processes: the clock,
 * tool version, platform and git state are options. Refusals and operational failures come back
 * as problems (amod.md §4.13 codes); the CLI maps them to exit codes.
 *
 * @module
 */

import {
  commitNoReplace,
  isSystemError,
  lstatOrNull,
  randomSuffix,
  removeQuietly,
  syncDirectory,
  trackTemp,
  untrackTemp,
} from "../fs/atomic.ts";
import { compareCodePoints, type Problem, problem } from "../report/report.ts";
import { AMOD_LIMITS, type ZipLimits } from "../zip/limits.ts";
import { SourceChangedError, type ZipSink, ZipWriter } from "../zip/write.ts";
import { epochSeconds, formatCompactStamp, formatIsoSeconds, isSnapshotEpoch } from "./clock.ts";
import { renderHandoff, renderRedaction, renderRestore } from "./docs.ts";
import type { Exclusion, PolicyRule, SnapshotForm } from "./exclude.ts";
import type { GitState } from "./git.ts";
import { absolutePath } from "./project_root.ts";
import { formatMode, type InventoryEntry, type Manifest, renderInventory, renderManifest } from "./json.ts";
import { createScanner, type Finding, type LineFinding } from "./scan.ts";
import {
  AGENTMOD_DIR,
  checkAgentmodDir,
  CreateFailure,
  ioProblem,
  type PlannedFile,
  type PlannedSymlink,
  planSnapshot,
  type SnapshotPlan,
  type SnapshotProgress,
  type WalkFs,
} from "./walk.ts";

type NodeFs = typeof import("node:fs");
type CreateHash = typeof import("node:crypto").createHash;

/** The Node layer create needs: `O_NOFOLLOW` opens, descriptor modes, streaming SHA-256. */
export interface PackRuntime {
  /** `node:fs`. */
  readonly fs: NodeFs;
  /** `node:crypto`'s `createHash`. */
  readonly createHash: CreateHash;
}

let runtime: Promise<PackRuntime> | null = null;

/**
 * Loads `node:fs` and `node:crypto` once. They are imported lazily: commands that never create a
 * snapshot must not pay their start-up cost.
 */
export function loadPackRuntime(): Promise<PackRuntime> {
  runtime ??= Promise.all([import("node:fs"), import("node:crypto")]).then(([fs, crypto]) => ({
    fs: fs as unknown as NodeFs,
    createHash: crypto.createHash,
  }));
  return runtime;
}

/** The form-independent inputs of create. */
export interface CreateCommonOptions {
  /** Project root (made absolute without resolving symlinks). */
  readonly root: string;
  /** The creation instant; truncated to whole seconds (amod.md §1.16). */
  readonly clock: () => Date;
  /** `agentmod_version`: ours is `handoff/<version>`, tests use `test-version`. */
  readonly toolVersion: string;
  /** `<os>/<arch>` in Go naming. */
  readonly platform: string;
  /** The git state collected by the caller; absent when none was collected (no `git` key). */
  readonly git?: GitState;
  /** An explicit policy (amod.md §2.6); absent means the form's default. */
  readonly policy?: readonly PolicyRule[];
  /** Member, byte and ratio limits; default `.amod` limits. */
  readonly limits?: ZipLimits;
  /** Plan-phase file system calls (fault injection in tests). */
  readonly walkFs?: WalkFs;
  /** Test hook between the plan and the write phase (fault injection, amod.md §9.1 C26). */
  readonly afterPlan?: (plan: SnapshotPlan) => void | Promise<void>;
  /** Progress callback; called often, so it should be cheap (the CLI throttles its display). */
  readonly onProgress?: (progress: SnapshotProgress) => void;
  /**
   * Read files ahead in a worker thread (see {@link PayloadPacker}); by default only for plans of
   * at least 512 files, where it pays for the thread's start-up and memory. The output is the same.
   */
  readonly readAhead?: boolean;
}

/** Options of {@link createSnapshot}. */
export interface SnapshotOptions extends CreateCommonOptions {
  /** The `.amod` path; default {@link defaultOutputPath}. */
  readonly output?: string;
  /** Pack hard findings instead of refusing (`--allow-findings`). */
  readonly allowFindings?: boolean;
}

/** What a successful create produced (the CLI summary of amod.md §4.12). */
export interface SnapshotSummary {
  /** `amod` or `tree`. */
  readonly form: SnapshotForm;
  /** The `.amod` file, or the tree package directory. */
  readonly output: string;
  /** The manifest as written. */
  readonly manifest: Manifest;
  /** Inventory entries: regular files plus symlinks. */
  readonly files: number;
  /** Sum of inventory sizes. */
  readonly bytes: number;
  /** Members written, root members included. */
  readonly members: number;
  /** Exclusions in walk order. */
  readonly excluded: readonly Exclusion[];
  /** Findings in finding order (amod.md §3.4). */
  readonly findings: readonly Finding[];
  /** Kept files not scanned because they look binary. */
  readonly binarySkipped: number;
}

/** A created snapshot, or why nothing was created. */
export type SnapshotOutcome =
  | { readonly ok: true; readonly snapshot: SnapshotSummary }
  | {
    readonly ok: false;
    /** The problems (codes of amod.md §4.13); `io-error` and `source-changed` are operational. */
    readonly problems: readonly Problem[];
    /** What the user can do about a refusal, when there is a single piece of advice. */
    readonly advice?: string;
  };

/**
 * The default `.amod` path (amod.md §1.16, §4.3):
 * `<root>/.agentmod/snapshots/<basename(root)>-<YYYYMMDD-HHMMSS>.amod`, stamp in UTC.
 *
 * @example
 * ```ts
 * import { defaultOutputPath } from "./snapshot.ts";
 * console.assert(defaultOutputPath("/w/demo-project", 1781181045) ===
 *   "/w/demo-project/.agentmod/snapshots/demo-project-20260611-123045.amod");
 * ```
 */
export function defaultOutputPath(root: string, seconds: number): string {
  return `${root}/${AGENTMOD_DIR}/snapshots/${baseName(root)}-${formatCompactStamp(seconds)}.amod`;
}

function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function dirName(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/**
 * Makes a path absolute against the working directory without resolving symlinks (the project
 * root rule of amod.md §4.2, also used for `-o`).
 */
export function absolutize(path: string): string {
  return absolutePath(path, Deno.cwd());
}

/** The creation instant as whole Unix seconds, checked against the range zip timestamps hold. */
export function snapshotSeconds(clock: () => Date): number {
  const t = epochSeconds(clock());
  if (!isSnapshotEpoch(t)) {
    throw new RangeError(`The clock reads ${t}, outside 1980-01-01 to 2106-02-07 that snapshots can record`);
  }
  return t;
}

let lastYield = 0;

/**
 * Lets the event loop run (timers, signal handlers such as the temporary-file clean-up of
 * `trackTemp`) when more than 50 ms passed since the last turn. Reading, hashing and deflating
 * are synchronous, so without this an interrupt would wait for the whole snapshot.
 */
export function yieldToEventLoop(): Promise<void> | undefined {
  const now = performance.now();
  if (now - lastYield < 50) return undefined;
  lastYield = now;
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Size of the read buffer: large enough for streaming throughput, small enough to stay flat. */
const READ_CHUNK = 4 * 1024 * 1024;

/** Node error codes that mean the planned entry is no longer what the plan saw. */
const CHANGED_CODES = new Set(["ENOENT", "ELOOP", "ENOTDIR", "EISDIR", "ENXIO"]);

function nodeCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The `source-changed` problem (amod.md §4.13): a planned entry vanished, changed kind or target,
 * or two reads of a file differ.
 */
export function sourceChangedProblem(relPath: string, why: string): Problem {
  return problem("source-changed", `"${relPath}" changed while the snapshot was being written: ${why}`, {
    member: relPath,
  });
}

/** Why a planned file could not be read: it changed (`source-changed`) or the system failed (`io-error`). */
interface ReadFault {
  readonly kind: "changed" | "io";
  readonly why: string;
}

class ReadFaultError extends Error {
  readonly fault: ReadFault;
  constructor(fault: ReadFault) {
    super(fault.why);
    this.fault = fault;
  }
}

function faultOf(err: unknown, vanished = "it vanished"): ReadFault {
  const code = nodeCode(err);
  if (code !== undefined && CHANGED_CODES.has(code)) {
    return { kind: "changed", why: code === "ENOENT" ? vanished : "it is no longer a regular file" };
  }
  return { kind: "io", why: err instanceof Error ? err.message.split("\n")[0] as string : String(err) };
}

function faultProblem(relPath: string, path: string, fault: ReadFault): Problem {
  return fault.kind === "changed"
    ? sourceChangedProblem(relPath, fault.why)
    : problem("io-error", `Cannot read "${path}": ${fault.why}`, { member: path });
}

/**
 * Opens a planned regular file for reading (amod.md §4.9 step 2): `O_NOFOLLOW`, so a symlink that
 * took the file's place is refused, and `O_NONBLOCK`, so a fifo that took it cannot hang the open;
 * then `fstat` must show a regular file. Throws a {@link ReadFaultError}.
 */
function openRegular(rt: PackRuntime, path: string): number {
  const { fs } = rt;
  const c = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(path, c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK);
  } catch (err) {
    throw new ReadFaultError(faultOf(err));
  }
  let isFile: boolean;
  try {
    isFile = fs.fstatSync(fd).isFile();
  } catch (err) {
    closeQuietly(rt, fd);
    throw new ReadFaultError(faultOf(err));
  }
  if (!isFile) {
    closeQuietly(rt, fd);
    throw new ReadFaultError({ kind: "changed", why: "it is no longer a regular file" });
  }
  return fd;
}

function readInto(rt: PackRuntime, fd: number, buffer: Uint8Array, at: number, length: number): number {
  try {
    return rt.fs.readSync(fd, buffer, at, length, null);
  } catch (err) {
    throw new ReadFaultError(faultOf(err));
  }
}

function closeQuietly(rt: PackRuntime, fd: number): void {
  try {
    rt.fs.closeSync(fd);
  } catch {
    // Closing a read-only descriptor cannot lose data.
  }
}

// ── read-ahead: a worker thread reads, hashes and scans while the main thread deflates ──

/** The name that makes this module run as the payload reader when loaded in a worker. */
const READER_WORKER_NAME = "handoff-payload-reader";
/** Bytes per message from the reader. */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Messages in flight: bounds the read-ahead memory to about 5 batches. */
const BATCH_WINDOW = 4;
/** A batch of small files is sent once it holds this many items, even if not full. */
const BATCH_ITEMS = 2048;
/** A file is split across batches rather than read into less free space than this. */
const MIN_SPACE = 64 * 1024;

/** The outcome of reading one file completely. */
interface ReadResult {
  readonly size: number;
  readonly sha256: string;
  readonly binary: boolean;
  readonly findings: readonly LineFinding[];
}

/** One item of a batch, for the file at index `file` of the reader's list. */
type ReaderItem =
  | { readonly file: number; readonly offset: number; readonly length: number }
  | { readonly file: number; readonly end: ReadResult }
  | { readonly file: number; readonly fault: ReadFault };

type ReaderMessage =
  | { readonly type: "ready" }
  | { readonly type: "batch"; readonly buffer: ArrayBuffer; readonly items: readonly ReaderItem[] }
  | { readonly type: "done" };

type ControlMessage =
  | { readonly type: "start"; readonly paths: readonly string[] }
  | { readonly type: "credit" };

interface WorkerScope {
  onmessage: ((event: MessageEvent<ControlMessage>) => void) | null;
  postMessage(message: ReaderMessage, transfer?: Transferable[]): void;
}

/** The worker side: reads every file in order into batches, with flow control by credits. */
function runReaderWorker(scope: WorkerScope): void {
  let credits = BATCH_WINDOW;
  let wake: (() => void) | null = null;
  let started = false;
  const take = async (): Promise<void> => {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
  };
  const readAll = async (paths: readonly string[]): Promise<void> => {
    const rt = await loadPackRuntime();
    let buffer = new Uint8Array(BATCH_BYTES);
    let used = 0;
    let items: ReaderItem[] = [];
    const flush = async (): Promise<void> => {
      if (items.length === 0) return;
      await take();
      scope.postMessage({ type: "batch", buffer: buffer.buffer, items }, [buffer.buffer]);
      buffer = new Uint8Array(BATCH_BYTES);
      used = 0;
      items = [];
    };
    for (let i = 0; i < paths.length; i++) {
      let fd: number | null = null;
      try {
        fd = openRegular(rt, paths[i] as string);
        const hash = rt.createHash("sha256");
        const scanner = createScanner();
        let size = 0;
        for (;;) {
          if (BATCH_BYTES - used < MIN_SPACE) await flush();
          const want = Math.min(BATCH_BYTES - used, READ_CHUNK);
          const n = readInto(rt, fd, buffer, used, want);
          if (n === 0) break;
          const view = buffer.subarray(used, used + n);
          hash.update(view);
          scanner.push(view);
          size += n;
          items.push({ file: i, offset: used, length: n });
          used += n;
          if (n < want) break; // a short read of a regular file is its end
        }
        const scan = scanner.finish();
        items.push({
          file: i,
          end: { size, sha256: hash.digest("hex"), binary: scan.binary, findings: scan.findings },
        });
      } catch (err) {
        if (!(err instanceof ReadFaultError)) throw err;
        // The main thread stops at this file; reading further would be wasted.
        items.push({ file: i, fault: err.fault });
        await flush();
        return;
      } finally {
        if (fd !== null) closeQuietly(rt, fd);
      }
      if (items.length >= BATCH_ITEMS) await flush();
    }
    await flush();
    scope.postMessage({ type: "done" });
  };
  scope.onmessage = (event) => {
    const m = event.data;
    if (m.type === "credit") {
      credits++;
      wake?.();
      wake = null;
    } else if (m.type === "start" && !started) {
      started = true;
      scope.postMessage({ type: "ready" });
      void readAll(m.paths);
    }
  };
}

if ((globalThis as { name?: unknown }).name === READER_WORKER_NAME) {
  runReaderWorker(globalThis as unknown as WorkerScope);
}

/** The main-thread side of the read-ahead: the reader's items in order. */
class PayloadReader {
  /**
   * Whether a reader thread can be started: this module must be a local file the process may
   * read (a worker loads its module like a file read; `--allow-read` limited to the project would
   * refuse it). Otherwise create reads directly.
   *
   * It must also be this module's own file: inlined into a one-file bundle, `import.meta.url` is
   * the bundle, i.e. the whole CLI, and a worker started on it would run the command again.
   */
  static available(): boolean {
    const url = new URL(import.meta.url);
    if (url.protocol !== "file:" || !url.pathname.endsWith("/snapshot.ts")) return false;
    try {
      return Deno.permissions.querySync({ name: "read", path: decodeURIComponent(url.pathname) }).state ===
        "granted";
    } catch {
      return false;
    }
  }

  /** Resolves `true` once the thread runs, `false` when it failed to start (create then reads directly). */
  readonly ready: Promise<boolean>;
  readonly #worker: Worker;
  readonly #queue: { buffer: ArrayBuffer; items: readonly ReaderItem[] }[] = [];
  #batch: { buffer: ArrayBuffer; items: readonly ReaderItem[] } | null = null;
  #position = 0;
  #done = false;
  #failure: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(paths: readonly string[]) {
    let settle: (running: boolean) => void = () => {};
    this.ready = new Promise<boolean>((resolve) => (settle = resolve));
    this.#worker = new Worker(import.meta.url, { type: "module", name: READER_WORKER_NAME });
    this.#worker.onmessage = (event: MessageEvent<ReaderMessage>) => {
      const m = event.data;
      if (m.type === "ready") settle(true);
      else if (m.type === "batch") this.#queue.push({ buffer: m.buffer, items: m.items });
      else this.#done = true;
      this.#signal();
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      settle(false);
      this.#failure = new Error(`The payload reader thread failed: ${event.message}`);
      this.#signal();
    };
    this.#worker.postMessage({ type: "start", paths } satisfies ControlMessage);
  }

  #signal(): void {
    this.#wake?.();
    this.#wake = null;
  }

  /** The next item, with the buffer its chunk offsets refer to. */
  async next(): Promise<{ item: ReaderItem; buffer: ArrayBuffer }> {
    for (;;) {
      const batch = this.#batch;
      if (batch !== null && this.#position < batch.items.length) {
        return { item: batch.items[this.#position++] as ReaderItem, buffer: batch.buffer };
      }
      if (batch !== null) {
        // Every chunk of this batch has been consumed: the reader may send another one.
        this.#batch = null;
        this.#worker.postMessage({ type: "credit" } satisfies ControlMessage);
      }
      const queued = this.#queue.shift();
      if (queued !== undefined) {
        this.#batch = queued;
        this.#position = 0;
        continue;
      }
      if (this.#failure !== null) throw this.#failure;
      if (this.#done) throw new Error("The payload reader ended before the last file");
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Stops the reader thread (idempotent). */
  close(): void {
    this.#worker.terminate();
  }
}

/** Plans with at least this many files (or bytes) are read ahead by a worker thread. */
const READ_AHEAD_FILES = 512;

/**
 * The payload pass shared by both forms (amod.md §4.9 step 2, §4.11 steps 2–3): reads each kept
 * regular file once, opened with `O_NOFOLLOW` and confirmed by `fstat`, in chunks that feed
 * SHA-256, the secret scanner, the byte counter and the caller's sink; re-reads symlink targets
 * and compares them with the plan; and collects the inventory, findings and binary count.
 *
 * With read-ahead, a worker thread opens, reads, hashes and scans the files in walk order while
 * the caller deflates and writes; memory stays bounded by a window of a few 4 MiB batches. The
 * ratio fallback's second read is always done directly.
 */
export class PayloadPacker {
  /** Inventory entries in the order they were packed. */
  readonly inventory: InventoryEntry[] = [];
  /** Findings in walk order, then pattern order, then line. */
  readonly findings: Finding[] = [];
  /** Files skipped by the scanner as binary. */
  binarySkipped = 0;
  /** Payload bytes read (first reads only). */
  bytesRead = 0;
  /** Members handed to the sink so far (for progress). */
  membersDone = 0;

  readonly #plan: SnapshotPlan;
  readonly #rt: PackRuntime;
  readonly #limits: ZipLimits;
  readonly #onProgress: ((p: SnapshotProgress) => void) | undefined;
  #buffer: Uint8Array | null = null;
  readonly #firstRead = new Map<string, { size: number; sha256: string }>();
  readonly #reader: PayloadReader | null;
  /** Position of each file in the reader's list (walk order). */
  readonly #fileIndex = new Map<string, number>();

  /**
   * Prepares a pass over the plan's entries. `readAhead` starts the reader thread; by default it
   * is used for plans of at least 512 files. Call {@link PayloadPacker.close} at the end.
   */
  constructor(
    plan: SnapshotPlan,
    rt: PackRuntime,
    limits: ZipLimits,
    onProgress?: (p: SnapshotProgress) => void,
    readAhead?: boolean,
  ) {
    this.#plan = plan;
    this.#rt = rt;
    this.#limits = limits;
    this.#onProgress = onProgress;
    const files: string[] = [];
    for (const e of plan.entries) {
      if (e.kind !== "file") continue;
      this.#fileIndex.set(e.relPath, files.length);
      files.push(this.abs(e.relPath));
    }
    // Only for many files: for a few large ones the thread buys little speed (deflate dominates)
    // and costs its own heap, which would take a snapshot of one 1 GiB file above 150 MB of RSS.
    const ahead = readAhead ?? files.length >= READ_AHEAD_FILES;
    this.#reader = ahead && files.length > 0 && PayloadReader.available() ? new PayloadReader(files) : null;
  }

  /** Stops the reader thread, if any. */
  close(): void {
    this.#reader?.close();
  }

  /** Absolute path of a rel path. */
  abs(relPath: string): string {
    return `${this.#plan.root}/${relPath}`;
  }

  /** Reports progress after a member was handed to the sink. */
  memberDone(): void {
    this.membersDone++;
    this.#progress();
  }

  #progress(): void {
    this.#onProgress?.({
      phase: "write",
      members: this.membersDone,
      bytes: this.bytesRead,
      totalMembers: this.#plan.members,
      totalBytes: this.#plan.plannedBytes,
    });
  }

  /**
   * The chunks of a regular file; files must be asked for in walk order. Pass 1 records the
   * inventory entry and the scan result; pass 2 (the ratio fallback's re-read) must produce the
   * same size and SHA-256, otherwise a {@link CreateFailure} with `source-changed` is thrown.
   * Each chunk is valid until the next one is requested.
   */
  fileChunks(entry: PlannedFile, pass: 1 | 2): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
    return pass === 1 && this.#reader !== null
      ? this.#readAhead(entry, this.#reader)
      : this.#readDirect(entry, pass);
  }

  #count(n: number, progress: boolean): void {
    this.bytesRead += n;
    this.#checkBytes(0);
    if (progress) this.#progress();
  }

  #record(entry: PlannedFile, result: ReadResult): void {
    if (result.binary) this.binarySkipped++;
    for (const f of result.findings) this.findings.push({ path: entry.relPath, ...f });
    this.#firstRead.set(entry.relPath, { size: result.size, sha256: result.sha256 });
    this.inventory.push({
      path: payloadName(entry.relPath),
      size: result.size,
      sha256: result.sha256,
      mode: formatMode(entry.perm),
    });
  }

  async *#readAhead(entry: PlannedFile, reader: PayloadReader): AsyncGenerator<Uint8Array, void, undefined> {
    if (!(await reader.ready)) {
      yield* this.#readDirect(entry, 1);
      return;
    }
    const index = this.#fileIndex.get(entry.relPath);
    for (;;) {
      const { item, buffer } = await reader.next();
      if (item.file !== index) {
        throw new Error(`Files must be packed in walk order; "${entry.relPath}" was asked for out of turn`);
      }
      if ("fault" in item) {
        throw new CreateFailure([faultProblem(entry.relPath, this.abs(entry.relPath), item.fault)]);
      }
      if ("end" in item) {
        this.#record(entry, item.end);
        return;
      }
      this.#count(item.length, item.length >= MIN_SPACE);
      yield new Uint8Array(buffer, item.offset, item.length);
    }
  }

  *#readDirect(entry: PlannedFile, pass: 1 | 2): Generator<Uint8Array, void, undefined> {
    const rt = this.#rt;
    const path = this.abs(entry.relPath);
    let fd: number;
    try {
      fd = openRegular(rt, path);
    } catch (err) {
      if (err instanceof ReadFaultError) {
        throw new CreateFailure([faultProblem(entry.relPath, path, err.fault)]);
      }
      throw err;
    }
    try {
      const hash = rt.createHash("sha256");
      const scanner = pass === 1 ? createScanner() : null;
      const buffer = this.#buffer ??= new Uint8Array(READ_CHUNK);
      let size = 0;
      for (;;) {
        let n: number;
        try {
          n = readInto(rt, fd, buffer, 0, buffer.length);
        } catch (err) {
          if (err instanceof ReadFaultError) {
            throw new CreateFailure([faultProblem(entry.relPath, path, err.fault)]);
          }
          throw err;
        }
        if (n === 0) break;
        const chunk = buffer.subarray(0, n);
        hash.update(chunk);
        size += n;
        if (scanner !== null) {
          scanner.push(chunk);
          this.#count(n, n === buffer.length);
        }
        yield chunk;
        // A short read of a regular file means end of file at the moment of reading (POSIX);
        // stopping there saves a second system call per small file.
        if (n < buffer.length) break;
      }
      const sha256 = hash.digest("hex");
      if (scanner !== null) {
        const scan = scanner.finish();
        this.#record(entry, { size, sha256, binary: scan.binary, findings: scan.findings });
      } else {
        const first = this.#firstRead.get(entry.relPath);
        if (first === undefined || first.size !== size || first.sha256 !== sha256) {
          throw new CreateFailure([
            sourceChangedProblem(entry.relPath, "a second read gave different content"),
          ]);
        }
      }
    } finally {
      closeQuietly(rt, fd);
    }
  }

  /**
   * Reads a symlink's target again (amod.md §4.9): it must equal the planned one. Records the
   * inventory entry (size and SHA-256 of the target string) and returns the target's bytes.
   */
  symlinkContent(entry: PlannedSymlink): Uint8Array {
    const path = this.abs(entry.relPath);
    let target: string;
    try {
      target = Deno.readLinkSync(path);
    } catch (err) {
      let info: Deno.FileInfo | null = null;
      try {
        info = Deno.lstatSync(path);
      } catch {
        // vanished: reported below
      }
      if (info === null || !info.isSymlink || err instanceof Deno.errors.InvalidData) {
        throw new CreateFailure([
          sourceChangedProblem(entry.relPath, info === null ? "it vanished" : "its target changed"),
        ]);
      }
      throw new CreateFailure([ioProblem(path, err, "read the link")]);
    }
    if (target !== entry.target) {
      throw new CreateFailure([sourceChangedProblem(entry.relPath, "its target changed")]);
    }
    const bytes = new TextEncoder().encode(target);
    this.bytesRead += bytes.length;
    this.#checkBytes(0);
    const sha256 = this.#rt.createHash("sha256").update(bytes).digest("hex");
    this.inventory.push({
      path: payloadName(entry.relPath),
      size: bytes.length,
      sha256,
      mode: formatMode(entry.perm),
      symlink_target: target,
    });
    return bytes;
  }

  /**
   * The byte limit again, with the bytes actually read plus `extra` (the root members once they
   * are rendered): amod.md §4.8.
   */
  checkTotalBytes(extra: number): void {
    this.#checkBytes(extra);
  }

  #checkBytes(extra: number): void {
    const max = this.#limits.maxTotalBytes;
    const total = this.bytesRead + extra;
    if (max > 0 && total > max) {
      throw new CreateFailure([problem(
        "limit-total-bytes",
        `The snapshot grew to more than ${max} bytes while it was written (raise the limit with --max-total-bytes)`,
      )]);
    }
  }

  /**
   * The hard-finding gate (amod.md §3.5): `null` when nothing blocks, otherwise the refusal with
   * every hard finding and the advice that fits the form.
   */
  hardFindingGate(
    form: SnapshotForm,
    allowFindings: boolean,
  ): { problems: Problem[]; advice: string } | null {
    if (allowFindings) return null;
    const hard = this.findings.filter((f) => f.hard);
    if (hard.length === 0) return null;
    const problems = hard.map((f) =>
      problem("secret-hard-finding", `${f.path} line ${f.line} (${f.pattern}) looks like a private key`, {
        member: f.path,
      })
    );
    const advice = form === "tree"
      ? "Remove these files or move them out of .agentmod/ and run again. --allow-findings is not available " +
        "with --for-git, because a committed package is published with the repository."
      : "Remove these files or move them out of .agentmod/ and run again, or run again with --allow-findings " +
        "to pack them anyway.";
    return { problems, advice };
  }
}

/** Member name of a payload entry: `payload/` + rel path (+ `/` for a directory). */
export function payloadName(relPath: string, directory = false): string {
  return directory ? `payload/${relPath}/` : `payload/${relPath}`;
}

/** Inputs of {@link renderRootMembers}. */
export interface RootMembersInput {
  /** `amod` or `tree`: picks the wording of the documents. */
  readonly form: SnapshotForm;
  /** The project root's base name. */
  readonly projectName: string;
  /** The manifest to write (its `created_at`, version and platform fill the documents). */
  readonly manifest: Manifest;
  /** Inventory entries in any order; they are sorted by path. */
  readonly inventory: readonly InventoryEntry[];
  /** Exclusions in walk order. */
  readonly excluded: readonly Exclusion[];
  /** Findings in finding order. */
  readonly findings: readonly Finding[];
  /** Kept files the scanner skipped as binary. */
  readonly binarySkipped: number;
}

/** A rendered root member. */
export interface RootMember {
  /** Member name. */
  readonly name: string;
  /** Rendered content. */
  readonly bytes: Uint8Array;
}

/**
 * Renders the six root members (amod.md §1.10–§1.15, §4.9 step 4) in writing order. The inventory
 * is sorted by path in UTF-8 order; `checksums.txt` lists the five documents, then every inventory
 * entry in inventory order.
 *
 * @example
 * ```ts
 * import { renderRootMembers } from "./snapshot.ts";
 * const members = await renderRootMembers({
 *   form: "amod", projectName: "demo", inventory: [], excluded: [], findings: [], binarySkipped: 0,
 *   manifest: { schema_version: 1, created_at: "2026-06-11T12:30:45Z", agentmod_version: "test-version", platform: "testos/testarch" },
 * });
 * console.assert(members.map((m) => m.name).join() === "manifest.json,inventory.json,REDACTION.md,HANDOFF.md,RESTORE.md,checksums.txt");
 * ```
 */
export async function renderRootMembers(input: RootMembersInput): Promise<RootMember[]> {
  const rt = await loadPackRuntime();
  const encoder = new TextEncoder();
  const m = input.manifest;
  const inventory = [...input.inventory].sort((a, b) => compareCodePoints(a.path, b.path));
  let bytes = 0;
  for (const e of inventory) bytes += e.size;
  const docs: RootMember[] = [
    { name: "manifest.json", bytes: encoder.encode(renderManifest(m)) },
    { name: "inventory.json", bytes: encoder.encode(renderInventory(inventory)) },
    {
      name: "REDACTION.md",
      bytes: encoder.encode(renderRedaction({
        createdAt: m.created_at,
        version: m.agentmod_version,
        excluded: input.excluded,
        findings: input.findings,
        binarySkipped: input.binarySkipped,
      })),
    },
    {
      name: "HANDOFF.md",
      bytes: encoder.encode(renderHandoff({
        form: input.form,
        projectName: input.projectName,
        createdAt: m.created_at,
        version: m.agentmod_version,
        platform: m.platform,
        files: inventory.length,
        bytes,
        excluded: input.excluded.length,
        findings: input.findings.length,
        hardFindings: input.findings.filter((f) => f.hard).length,
      })),
    },
    {
      name: "RESTORE.md",
      bytes: encoder.encode(renderRestore({ form: input.form, version: m.agentmod_version })),
    },
  ];
  const lines: string[] = [];
  for (const d of docs) lines.push(`${rt.createHash("sha256").update(d.bytes).digest("hex")}  ${d.name}\n`);
  for (const e of inventory) lines.push(`${e.sha256}  ${e.path}\n`);
  docs.push({ name: "checksums.txt", bytes: encoder.encode(lines.join("")) });
  return docs;
}

/** Builds the manifest of a snapshot (amod.md §1.10). */
export function buildManifest(
  seconds: number,
  options: Pick<CreateCommonOptions, "toolVersion" | "platform" | "git">,
  form: SnapshotForm,
): Manifest {
  return {
    schema_version: 1,
    created_at: formatIsoSeconds(seconds),
    agentmod_version: options.toolVersion,
    platform: options.platform,
    ...(options.git !== undefined ? { git: options.git } : {}),
    ...(form === "tree" ? { for_git: true } : {}),
  };
}

/** A {@link ZipSink} over a Node file descriptor, with positional writes (no seeking on rewind). */
function descriptorSink(fs: NodeFs, fd: number): ZipSink {
  let position = 0;
  return {
    get position(): number {
      return position;
    },
    write(bytes: Uint8Array): Promise<void> {
      let at = 0;
      while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at, position + at);
      position += bytes.length;
      return yieldToEventLoop() ?? Promise.resolve();
    },
    truncate(to: number): Promise<void> {
      fs.ftruncateSync(fd, to);
      position = to;
      return Promise.resolve();
    },
  };
}

/**
 * Creates an `.amod` snapshot of `<root>/.agentmod` (amod.md §4.3–§4.10). On success the file
 * exists at the output path with mode 0600; on any refusal or failure after the temporary file was
 * created, the temporary file is removed and the output path was never touched.
 *
 * @example
 * ```ts
 * import { createSnapshot } from "./snapshot.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/.agentmod`);
 * await Deno.writeTextFile(`${root}/.agentmod/agentmod.toml`, "schema_version = 1\n");
 * const out = await createSnapshot({
 *   root, clock: () => new Date(1781181045000), toolVersion: "test-version", platform: "testos/testarch",
 * });
 * console.assert(out.ok && out.snapshot.files === 1 && out.snapshot.output.endsWith("-20260611-123045.amod"));
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function createSnapshot(options: SnapshotOptions): Promise<SnapshotOutcome> {
  const root = absolutize(options.root);
  const seconds = snapshotSeconds(options.clock);
  const limits = options.limits ?? AMOD_LIMITS;
  const output = options.output === undefined ? defaultOutputPath(root, seconds) : absolutize(options.output);
  const outDir = dirName(output);

  // §4.3: the agentmod directory, then the output, then the output's parents.
  const pre = checkAgentmodDir(root, options.walkFs);
  if (pre !== null) return { ok: false, problems: [pre] };
  try {
    if ((await lstatOrNull(output)) !== null) return { ok: false, problems: [outputExists(output)] };
  } catch (err) {
    rethrowPermission(err);
    return { ok: false, problems: [ioProblem(output, err)] };
  }
  try {
    Deno.mkdirSync(outDir, { recursive: true, mode: 0o755 });
  } catch (err) {
    rethrowPermission(err);
    return { ok: false, problems: [ioProblem(outDir, err, "create")] };
  }

  const temp = `${outDir}/.amod-partial-${randomSuffix()}`;
  const planned = planSnapshot({
    root,
    form: "amod",
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    limits,
    skip: new Set([temp, output]),
    ...(options.walkFs !== undefined ? { fs: options.walkFs } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  });
  if (!planned.ok) return planned;
  const plan = planned.plan;
  await options.afterPlan?.(plan);

  const rt = await loadPackRuntime();
  const { fs } = rt;
  const c = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(temp, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, 0o600);
  } catch (err) {
    rethrowPermission(err);
    return { ok: false, problems: [ioProblem(temp, err, "create")] };
  }
  trackTemp(temp);
  let packer: PayloadPacker | null = null;
  let open = true;
  const closeTemp = (): void => {
    if (!open) return;
    open = false;
    try {
      fs.closeSync(fd);
    } catch {
      // the descriptor is gone either way
    }
  };
  try {
    fs.fchmodSync(fd, 0o600);
    const manifest = buildManifest(seconds, options, "amod");
    packer = new PayloadPacker(plan, rt, limits, options.onProgress, options.readAhead);
    const writer = new ZipWriter(descriptorSink(fs, fd), { time: seconds, maxRatio: limits.maxRatio });
    for (const entry of plan.entries) {
      switch (entry.kind) {
        case "directory":
          await writer.addDirectory(payloadName(entry.relPath, true), entry.perm);
          break;
        case "symlink":
          await writer.addSymlink(payloadName(entry.relPath), packer.symlinkContent(entry), entry.perm);
          break;
        case "file":
          await writer.addFile(
            payloadName(entry.relPath),
            entry.perm,
            (pass) => (packer as PayloadPacker).fileChunks(entry, pass),
          );
          break;
      }
      packer.memberDone();
      await yieldToEventLoop();
    }
    const gate = packer.hardFindingGate("amod", options.allowFindings === true);
    if (gate !== null) throw new CreateFailure(gate.problems, gate.advice);

    const members = await renderRootMembers({
      form: "amod",
      projectName: baseName(root),
      manifest,
      inventory: packer.inventory,
      excluded: plan.excluded,
      findings: packer.findings,
      binarySkipped: packer.binarySkipped,
    });
    packer.checkTotalBytes(members.reduce((n, m) => n + m.bytes.length, 0));
    for (const m of members) await writer.addFile(m.name, 0o644, m.bytes);
    const written = await writer.finish();
    fs.fsyncSync(fd);
    closeTemp();
    try {
      await commitNoReplace(temp, output);
    } catch (err) {
      rethrowPermission(err);
      if (err instanceof Deno.errors.AlreadyExists) throw new CreateFailure([outputExists(output)]);
      throw new CreateFailure([ioProblem(output, err, "create")]);
    }
    await syncDirectory(outDir);
    let bytes = 0;
    for (const e of packer.inventory) bytes += e.size;
    return {
      ok: true,
      snapshot: {
        form: "amod",
        output,
        manifest,
        files: packer.inventory.length,
        bytes,
        members: written.members,
        excluded: plan.excluded,
        findings: packer.findings,
        binarySkipped: packer.binarySkipped,
      },
    };
  } catch (err) {
    closeTemp();
    await removeQuietly(temp);
    untrackTemp(temp);
    rethrowPermission(err);
    if (err instanceof CreateFailure) return refusal(err);
    if (err instanceof SourceChangedError) {
      return {
        ok: false,
        problems: [
          sourceChangedProblem(err.member.replace(/^payload\//, ""), "a second read gave different content"),
        ],
      };
    }
    if (isSystemError(err)) return { ok: false, problems: [ioProblem(temp, err, "write")] };
    throw err;
  } finally {
    packer?.close();
  }
}

/**
 * A missing Deno permission for the output is not an I/O problem of the snapshot: it propagates
 * (after the temporary file is removed) so that the CLI names the flag to grant (exit 3).
 */
function rethrowPermission(err: unknown): void {
  if (err instanceof Deno.errors.NotCapable) throw err;
}

function outputExists(path: string): Problem {
  return problem("output-exists", `"${path}" already exists; a snapshot never replaces an existing file`, {
    member: path,
  });
}

/** The refusal outcome of a {@link CreateFailure}. */
export function refusal(err: CreateFailure): SnapshotOutcome {
  return { ok: false, problems: err.problems, ...(err.advice !== undefined ? { advice: err.advice } : {}) };
}
