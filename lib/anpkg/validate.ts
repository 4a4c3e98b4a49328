/**
 * `.anpkg` validation (anpkg.md §3): reads a package file, an extracted directory or bytes
 * into a member set (stage A), runs stages B–G, and optionally the runtime replay (§5).
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";
import { AdaptiveSha256, HashThread, THREAD_DIGEST_BYTES } from "../digest.ts";
import { checkAnpkgMemberNames } from "../names.ts";
import { type Problem, problem, type ReportCore, reportCore } from "../report/report.ts";
import { ANPKG_LIMITS, type ZipLimits } from "../zip/limits.ts";
import { decodeEntry } from "../zip/decode.ts";
import { readZip } from "../zip/read.ts";
import { bytesSource, fileSource, type ZipSource } from "../zip/source.ts";
import { checkMembers, type PackageFacts } from "./checks.ts";
import {
  ancestorDirs,
  keepsContent,
  type MemberRecord,
  type MemberSet,
  type MemberStreamer,
  NO_STREAM,
} from "./members.ts";
import { readDirectoryMembers } from "./directory.ts";
import { NOT_REQUESTED, type ReplayOptions, type ReplayReport, runReplay, SKIPPED_STATIC } from "./replay.ts";
import { errorLine } from "../text.ts";

/** Options of a validation. */
export interface ValidateOptions {
  /** Container limits (defaults: 10 000 members, 64 MiB, ratio 100). */
  readonly limits?: ZipLimits;
  /** The operation recorded in problems' severities (`export` during self-validation). */
  readonly operation?: string;
  /** Called as members are read: members finished and bytes decoded since the last call. */
  readonly onProgress?: ProgressHook;
}

/** Receives progress: members finished and bytes read since the previous call. */
export type ProgressHook = (members: number, bytes: number) => void;

/** The validate report (anpkg.md §6.3). */
export interface ValidateReport extends ReportCore {
  /** What the runtime replay did (§5). */
  readonly replay: ReplayReport;
}

/** The outcome of reading and checking, before it becomes a report. */
export interface CheckedPackage {
  /** The members as stage A read them. */
  readonly set: MemberSet;
  /** Problems of every stage that ran. */
  readonly problems: Problem[];
  /** What the checks learned, or `null` when stage A was fatal. */
  readonly facts: PackageFacts | null;
}

/**
 * Reads the members of an archive through the strict reader: stage A problems, then every
 * readable file entry decoded once (CRC checked), hashed, and kept when the checks parse it.
 */
export async function readArchiveMembers(
  source: ZipSource,
  limits: ZipLimits,
  inputKind: "archive" | "request-body" = "archive",
  onProgress?: ProgressHook,
): Promise<MemberSet> {
  const archive = await readZip(source, { limits });
  const problems: Problem[] = [...archive.problems];
  const members = new Map<string, MemberRecord>();
  const dirs = new Set<string>();
  const entries = archive.entries.length;
  if (archive.fatal) return { inputKind, members, entries, dirs, problems, fatal: true, stream: NO_STREAM };
  problems.push(
    ...checkAnpkgMemberNames(archive.entries.map((e) => ({
      name: e.name,
      kind: e.kind,
      hasData: e.uncompressedSize > 0 || e.compressedSize > 0,
    }))),
  );
  const overTotal = archive.overTotalBytes;
  let thread: HashThread | null = null;
  try {
    for (const e of archive.entries) {
      if (e.name === null) continue;
      if (e.kind === "directory") {
        dirs.add(e.name.replace(/\/+$/, ""));
        continue;
      }
      for (const d of ancestorDirs(e.name)) dirs.add(d);
      if (e.kind !== "file" || members.has(e.name)) continue;
      let sha256: string | null = null;
      let content: Uint8Array | null = null;
      if (e.readable && !overTotal) {
        const keep = keepsContent(e.name);
        // A large member nobody parses is hashed on a thread beside the decoding, which lends the
        // buffers it is inflated into and copies any other chunk: the decoder may then reuse its
        // buffers.
        const threaded = !keep && e.uncompressedSize >= THREAD_DIGEST_BYTES
          ? (thread ??= new HashThread())
          : null;
        const input = threaded?.input() ?? null;
        const chunks: Uint8Array[] = [];
        const hash = threaded ?? new AdaptiveSha256();
        const outcome = await decodeEntry(source, e, async (chunk) => {
          if (keep) chunks.push(chunk);
          onProgress?.(0, chunk.length);
          await hash.update(chunk);
        }, input?.options ?? {});
        onProgress?.(1, 0);
        if (outcome.status === "ok") {
          sha256 = input === null ? await hash.hex() : (await input.digests()).sha256;
          content = keep ? concatBytes(chunks) : null;
        } else {
          if (outcome.status === "problem") problems.push(outcome.problem);
          // Finishing the partial digest readies the thread for the next member.
          await input?.digests();
        }
      }
      members.set(e.name, {
        name: e.name,
        size: e.uncompressedSize,
        sha256,
        content,
        compressedSize: e.compressedSize,
        method: e.method,
        crc32: e.crc32,
        mode: e.unixMode,
      });
    }
  } finally {
    thread?.close();
  }
  const byName = new Map(archive.entries.filter((e) => e.name !== null).map((e) => [e.name as string, e]));
  const stream: MemberStreamer = async (name, sink) => {
    const entry = byName.get(name);
    if (!entry) throw new Error(`No member "${name}"`);
    const outcome = await decodeEntry(source, entry, sink);
    if (outcome.status !== "ok") throw new Error(`Member "${name}" could not be decoded again`);
  };
  return { inputKind, members, entries, dirs, problems, fatal: false, stream };
}

/** Runs stages B–G over a member set read by stage A. */
export function checkSet(set: MemberSet, operation = "validate"): CheckedPackage {
  if (set.fatal) return { set, problems: [...set.problems], facts: null };
  const r = checkMembers(set, operation);
  return { set, problems: [...set.problems, ...r.problems], facts: r.facts };
}

/** Validates archive bytes held in memory (export's self-validation, the HTTP route). */
export async function validateBytes(
  bytes: Uint8Array,
  options: ValidateOptions & { inputKind?: "archive" | "request-body" } = {},
): Promise<CheckedPackage> {
  const set = await readArchiveMembers(
    bytesSource(bytes),
    options.limits ?? ANPKG_LIMITS,
    options.inputKind,
    options.onProgress,
  );
  return checkSet(set, options.operation);
}

/** A package path opened for reading: a regular file, a directory, or an input-level problem. */
export type OpenedPackagePath =
  | { readonly kind: "file"; readonly file: Deno.FsFile; readonly size: number }
  | { readonly kind: "directory" }
  | { readonly kind: "problem"; readonly problem: Problem };

/**
 * Opens a package path: a regular file is opened (the caller closes it), a directory is only
 * named, and anything else is an `input-not-found`, `input-unsupported` or `io-error` problem. A
 * missing Deno permission throws (the CLI turns it into one line and exit 3).
 */
export async function openPackagePath(path: string): Promise<OpenedPackagePath> {
  const fail = (code: "input-not-found" | "input-unsupported" | "io-error", message: string) => ({
    kind: "problem" as const,
    problem: problem(code, message),
  });
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return fail("input-not-found", `"${path}" does not exist`);
    if (err instanceof Deno.errors.NotCapable) throw err;
    return fail("io-error", `Cannot read "${path}": ${errorLine(err)}`);
  }
  if (info.isDirectory) return { kind: "directory" };
  if (!info.isFile) return fail("input-unsupported", `"${path}" is neither a regular file nor a directory`);
  try {
    return { kind: "file", file: await Deno.open(path, { read: true }), size: info.size };
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return fail("io-error", `Cannot open "${path}": ${errorLine(err)}`);
  }
}

/** A member set that holds nothing but one input-level problem. */
function problemSet(p: Problem): MemberSet {
  return {
    inputKind: "archive",
    members: new Map(),
    entries: 0,
    dirs: new Set<string>(),
    problems: [p],
    fatal: true,
    stream: NO_STREAM,
  };
}

/** Reads a package path (file or directory) into a member set, with input-level problems. */
export async function readPackagePath(
  path: string,
  limits: ZipLimits,
  onProgress?: ProgressHook,
): Promise<{ set: MemberSet; close: () => void }> {
  const opened = await openPackagePath(path);
  if (opened.kind === "problem") return { set: problemSet(opened.problem), close: () => {} };
  if (opened.kind === "directory") {
    return { set: await readDirectoryMembers(path, limits, onProgress), close: () => {} };
  }
  const { file, size } = opened;
  try {
    return {
      set: await readArchiveMembers(fileSource(file, size), limits, "archive", onProgress),
      close: () => file.close(),
    };
  } catch (err) {
    file.close();
    throw err;
  }
}

/**
 * Validates a package file or extracted directory; with `replay.runtimeBin`, runs the runtime's
 * `--check-config` from a private extraction when stages A–G found no error.
 */
export async function validatePackage(
  path: string,
  options: ValidateOptions & { replay?: ReplayOptions } = {},
): Promise<ValidateReport> {
  const limits = options.limits ?? ANPKG_LIMITS;
  const opened = await readPackagePath(path, limits, options.onProgress);
  try {
    const checked = checkSet(opened.set, options.operation);
    let replay: ReplayReport = NOT_REQUESTED;
    const problems = [...checked.problems];
    if (options.replay) {
      if (problems.some((p) => p.severity === "error") || !checked.facts) replay = SKIPPED_STATIC;
      else {
        const r = await runReplay(opened.set, checked.facts, options.replay);
        replay = r.report;
        problems.push(...r.problems);
      }
    }
    const core = reportCore("anpkg", "validate", path, opened.set.inputKind, problems);
    return { ...core, replay };
  } finally {
    opened.close();
  }
}
