/**
 * The strict zip reader shared by `.anpkg` and `.amod`: one pass over the end records, the central
 * directory and every local header and data descriptor, reporting the container codes of amod.md
 * §5.3 phase 1 (canonical for both formats, spec/README.md). It never throws on bad input, never
 * hangs, and allocates only in proportion to bytes actually present in the file, never to declared
 * sizes. Content is not decoded here (see `decode.ts`).
 *
 * Format rules (member names of `.anpkg`, payload rules of `.amod`) are not applied; the only
 * optional rule is `zip-host-unsupported`, reported when the caller asks for it.
 *
 * @module
 */

import { type Code, CODES } from "../report/codes.ts";
import { type Problem, problem } from "../report/report.ts";
import {
  CENTRAL_HEADER_SIZE,
  END_RECORD_SIZE,
  END_SEARCH_WINDOW,
  EXTRA_UNICODE_PATH,
  EXTRA_ZIP64,
  FLAG_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_UTF8,
  FLAGS_ALLOWED,
  FLAGS_ENCRYPTION,
  HOST_MACOS,
  HOST_UNIX,
  LOCAL_HEADER_SIZE,
  MAX16,
  MAX32,
  METHOD_AES,
  METHOD_DEFLATE,
  METHOD_STORE,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  SIG_CENTRAL,
  SIG_DESCRIPTOR,
  SIG_END,
  SIG_LOCAL,
  SIG_ZIP64_END,
  SIG_ZIP64_LOCATOR,
  u16,
  u32,
  u64,
  ZIP64_END_RECORD_SIZE,
  ZIP64_LOCATOR_SIZE,
} from "./format.ts";
import { exceedsRatio, type ZipLimits } from "./limits.ts";
import type { ZipSource } from "./source.ts";

/** What an entry is, as far as the container tells. */
export type ZipEntryKind = "file" | "directory" | "symlink" | "other";

/** One central directory entry with what its local header and descriptor confirmed. */
export interface ZipEntry {
  /** Position in the central directory (0-based). */
  readonly index: number;
  /** The name exactly as stored in the central directory. */
  readonly nameBytes: Uint8Array;
  /**
   * The name as text, or `null` when it is not valid UTF-8 or is non-ASCII without flag bit 11
   * (both `name-not-utf8`).
   */
  readonly name: string | null;
  /** The name for messages: decoded with U+FFFD for invalid bytes. */
  readonly displayName: string;
  /** General-purpose flags (central directory). */
  readonly flags: number;
  /** Compression method. */
  readonly method: number;
  /** Declared CRC-32 of the uncompressed content. */
  readonly crc32: number;
  /** Declared compressed size (zip64 value where the 32-bit field is saturated). */
  readonly compressedSize: number;
  /** Declared uncompressed size (zip64 value where the 32-bit field is saturated). */
  readonly uncompressedSize: number;
  /** Offset of the local header in the file (after compensating for bytes prepended to the archive). */
  readonly localHeaderOffset: number;
  /** Offset of the first data byte, or `null` when the local header is unusable. */
  readonly dataOffset: number | null;
  /** The "version made by" field. */
  readonly versionMadeBy: number;
  /** Its high byte: the host system (3 Unix, 19 macOS, 0 MS-DOS, …). */
  readonly host: number;
  /** External attributes (central directory). */
  readonly externalAttributes: number;
  /** Unix mode (upper 16 bits of the external attributes) when the host is 3 or 19, else `null`. */
  readonly unixMode: number | null;
  /**
   * `directory` when the name ends with `/`, the Unix type is directory or the MS-DOS directory bit
   * is set; otherwise by Unix type (no type bits, or a non-Unix host, is a regular file).
   */
  readonly kind: ZipEntryKind;
  /** MS-DOS time field. */
  readonly dosTime: number;
  /** MS-DOS date field. */
  readonly dosDate: number;
  /**
   * False when an entry-level container problem concerns this entry (amod.md §5.2): its content
   * must not be decoded, or not trusted.
   */
  readonly readable: boolean;
}

/** The result of {@link readZip}. */
export interface ZipArchive {
  /** Entries in central directory order (empty when a fatal problem stopped the walk early). */
  readonly entries: readonly ZipEntry[];
  /** Container problems in discovery order (entry problems in central directory order). */
  readonly problems: readonly Problem[];
  /** A fatal container problem was found: checks that need the container must not run. */
  readonly fatal: boolean;
  /** `limit-total-bytes` was reported: no member content may be decoded. */
  readonly overTotalBytes: boolean;
  /** Sum of the declared uncompressed sizes. */
  readonly totalUncompressedBytes: number;
  /** Zip64 end records are present. */
  readonly zip64: boolean;
  /** Number of bytes before the archive's offset 0 (bytes prepended to the archive, which the offsets do not count). */
  readonly prefixBytes: number;
}

/** Options of {@link readZip}. */
export interface ReadZipOptions {
  /** Member, byte and ratio limits (0 disables one). */
  readonly limits: ZipLimits;
  /** Report `zip-host-unsupported` for hosts other than Unix and macOS (`.amod`). */
  readonly requireUnixHost?: boolean;
}

const EMPTY = new Uint8Array(0);
const FATAL = new Set<Code>(
  (Object.keys(CODES) as Code[]).filter((c) => (CODES[c] as { fatal?: true }).fatal === true),
);

/** Reads through a window so that neighbouring small reads cost one source read. */
class WindowReader {
  #source: ZipSource;
  #windowSize: number;
  #start = 0;
  #window: Uint8Array = EMPTY;

  constructor(source: ZipSource, windowSize: number) {
    this.#source = source;
    this.#windowSize = windowSize;
  }

  /** `offset` and `offset + length` must lie within the source. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const s = this.#start;
    if (offset >= s && offset + length <= s + this.#window.length) {
      return this.#window.subarray(offset - s, offset - s + length);
    }
    if (length >= this.#windowSize) return await this.#source.read(offset, length);
    this.#window = await this.#source.read(offset, Math.min(this.#windowSize, this.#source.size - offset));
    this.#start = offset;
    return this.#window.subarray(0, length);
  }
}

interface Extra {
  /** The area is an exact sequence of blocks with at most one zip64 block. */
  valid: boolean;
  zip64: Uint8Array | null;
  unicodePath: boolean;
}

function parseExtra(area: Uint8Array): Extra {
  let zip64: Uint8Array | null = null;
  let unicodePath = false;
  let valid = true;
  let at = 0;
  while (at < area.length) {
    if (at + 4 > area.length) {
      valid = false;
      break;
    }
    const id = u16(area, at);
    const len = u16(area, at + 2);
    if (at + 4 + len > area.length) {
      valid = false;
      break;
    }
    const data = area.subarray(at + 4, at + 4 + len);
    if (id === EXTRA_ZIP64) {
      if (zip64 !== null) valid = false;
      else zip64 = data;
    } else if (id === EXTRA_UNICODE_PATH) {
      unicodePath = true;
    }
    at += 4 + len;
  }
  return { valid, zip64, unicodePath };
}

/** Mutable working state of one entry during the walk. */
interface Work {
  index: number;
  nameBytes: Uint8Array;
  name: string | null;
  displayName: string;
  versionMadeBy: number;
  flags: number;
  method: number;
  dosTime: number;
  dosDate: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  externalAttributes: number;
  unixMode: number | null;
  kind: ZipEntryKind;
  /** Sizes and offset are known (the zip64 block supplied what the header deferred to it). */
  located: boolean;
  dataOffset: number | null;
  /** End of local header + data + descriptor, when the local header is usable. */
  end: number | null;
  problems: Problem[];
  readable: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function decodeName(bytes: Uint8Array, flags: number): { name: string | null; display: string; ok: boolean } {
  const display = lenient.decode(bytes);
  let ascii = true;
  for (const b of bytes) {
    if (b >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { name: display, display, ok: true };
  if ((flags & FLAG_UTF8) === 0) return { name: null, display, ok: false };
  try {
    return { name: utf8.decode(bytes), display, ok: true };
  } catch {
    return { name: null, display, ok: false };
  }
}

function kindOf(nameBytes: Uint8Array, unixMode: number | null, external: number): ZipEntryKind {
  const type = unixMode === null ? 0 : unixMode & S_IFMT;
  if (nameBytes[nameBytes.length - 1] === 0x2f || type === S_IFDIR || (external & 0x10) !== 0) {
    return "directory";
  }
  if (type === S_IFLNK) return "symlink";
  if (type === S_IFREG || type === 0) return "file";
  return "other";
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads and checks the framing of a zip archive.
 *
 * @example
 * ```ts
 * import { readZip } from "./read.ts";
 * import { bytesSource } from "./source.ts";
 * import { AMOD_LIMITS } from "./limits.ts";
 * const r = await readZip(bytesSource(new TextEncoder().encode("not a zip")), { limits: AMOD_LIMITS });
 * console.assert(r.fatal && r.problems[0]?.code === "zip-no-end-record");
 * ```
 */
export async function readZip(source: ZipSource, options: ReadZipOptions): Promise<ZipArchive> {
  const walk = new Walk(source, options);
  return await walk.run();
}

class Walk {
  readonly source: ZipSource;
  readonly size: number;
  readonly limits: ZipLimits;
  readonly requireUnixHost: boolean;
  readonly global: Problem[] = [];
  works: Work[] = [];
  fatal = false;
  zip64 = false;
  base = 0;
  total = 0;
  overTotal = false;

  constructor(source: ZipSource, options: ReadZipOptions) {
    this.source = source;
    this.size = source.size;
    this.limits = options.limits;
    this.requireUnixHost = options.requireUnixHost === true;
  }

  report(code: Code, message: string): void {
    this.global.push(problem(code, message));
    if (FATAL.has(code)) this.fatal = true;
  }

  /** An entry-level problem: it makes the entry unreadable unless `keepReadable` is set. */
  entryProblem(w: Work, code: Code, message: string, keepReadable = false): void {
    w.problems.push(problem(code, message, { member: w.displayName }));
    if (!keepReadable) w.readable = false;
    if (FATAL.has(code)) this.fatal = true;
  }

  result(): ZipArchive {
    const problems = [...this.global];
    const entries: ZipEntry[] = [];
    for (const w of this.works) {
      problems.push(...w.problems);
      entries.push({
        index: w.index,
        nameBytes: w.nameBytes,
        name: w.name,
        displayName: w.displayName,
        flags: w.flags,
        method: w.method,
        crc32: w.crc32,
        compressedSize: w.compressedSize,
        uncompressedSize: w.uncompressedSize,
        localHeaderOffset: w.localHeaderOffset,
        dataOffset: w.dataOffset,
        versionMadeBy: w.versionMadeBy,
        host: w.versionMadeBy >>> 8,
        externalAttributes: w.externalAttributes,
        unixMode: w.unixMode,
        kind: w.kind,
        dosTime: w.dosTime,
        dosDate: w.dosDate,
        readable: w.readable,
      });
    }
    return {
      entries: this.fatal ? [] : entries,
      problems,
      fatal: this.fatal,
      overTotalBytes: this.overTotal,
      totalUncompressedBytes: this.total,
      zip64: this.zip64,
      prefixBytes: this.base,
    };
  }

  async run(): Promise<ZipArchive> {
    const size = this.size;
    if (size < END_RECORD_SIZE) {
      this.report("zip-no-end-record", `The file has ${size} bytes, fewer than an end record needs`);
      return this.result();
    }
    // End record: the last signature whose declared comment fits inside the file.
    const tailLength = Math.min(size, END_SEARCH_WINDOW);
    const tailStart = size - tailLength;
    const tail = await this.source.read(tailStart, tailLength);
    let endAt = -1;
    for (let p = tailLength - END_RECORD_SIZE; p >= 0; p--) {
      if (
        tail[p] === 0x50 && u32(tail, p) === SIG_END && p + END_RECORD_SIZE + u16(tail, p + 20) <= tailLength
      ) {
        endAt = p;
        break;
      }
    }
    if (endAt < 0) {
      this.report(
        "zip-no-end-record",
        "No end-of-central-directory record was found: not a zip archive, or truncated",
      );
      return this.result();
    }
    const end = tail.subarray(endAt, endAt + END_RECORD_SIZE);
    const endStart = tailStart + endAt;
    const commentLength = u16(end, 20);
    if (commentLength !== 0) {
      this.report("zip-comment", `The archive has a comment of ${commentLength} bytes`);
    }
    const trailing = size - (endStart + END_RECORD_SIZE + commentLength);
    if (trailing > 0) this.report("zip-trailing-data", `${trailing} bytes follow the end record`);

    const eDisk = u16(end, 4);
    const eCdDisk = u16(end, 6);
    const eEntriesDisk = u16(end, 8);
    const eEntries = u16(end, 10);
    const eCdSize = u32(end, 12);
    const eCdOffset = u32(end, 16);

    let count: number;
    let cdSize: number;
    let cdOffset: number;
    let dirEnd: number; // where the central directory must end
    const locator = endStart >= ZIP64_LOCATOR_SIZE
      ? await this.source.read(endStart - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE)
      : EMPTY;
    if (locator.length === ZIP64_LOCATOR_SIZE && u32(locator, 0) === SIG_ZIP64_LOCATOR) {
      this.zip64 = true;
      const lDisk = u32(locator, 4);
      const lOffset = u64(locator, 8);
      const lDisks = u32(locator, 16);
      if (lDisk !== 0 || lDisks !== 1) {
        this.report("zip-multi-disk", `The zip64 locator names disk ${lDisk} of ${lDisks} disks`);
        return this.result();
      }
      const z64Start = endStart - ZIP64_LOCATOR_SIZE - ZIP64_END_RECORD_SIZE;
      if (z64Start < 0 || lOffset === null || lOffset > z64Start) {
        this.report("zip64-invalid", "The zip64 locator does not point at a zip64 end record before it");
        return this.result();
      }
      const z = await this.source.read(z64Start, ZIP64_END_RECORD_SIZE);
      if (u32(z, 0) !== SIG_ZIP64_END || u64(z, 4) !== 44) {
        this.report(
          "zip64-invalid",
          "No well-formed zip64 end record lies directly before the zip64 locator",
        );
        return this.result();
      }
      // A locator pointing before the record means the archive was prefixed; offsets count from
      // the prefix's end (reported as zip-leading-data below).
      this.base = z64Start - lOffset;
      const zDisk = u32(z, 16);
      const zCdDisk = u32(z, 20);
      if (zDisk !== 0 || zCdDisk !== 0) {
        this.report(
          "zip-multi-disk",
          `The zip64 end record names disk ${zDisk} and directory disk ${zCdDisk}`,
        );
        return this.result();
      }
      if ((eDisk !== 0 && eDisk !== MAX16) || (eCdDisk !== 0 && eCdDisk !== MAX16)) {
        this.report("zip-multi-disk", `The end record names disk ${eDisk} and directory disk ${eCdDisk}`);
        return this.result();
      }
      const zEntriesDisk = u64(z, 24);
      const zEntries = u64(z, 32);
      const zCdSize = u64(z, 40);
      const zCdOffset = u64(z, 48);
      if (zEntriesDisk === null || zEntries === null || zCdSize === null || zCdOffset === null) {
        this.report("zip64-invalid", "A zip64 end record value is too large");
        return this.result();
      }
      const agrees = (value: number, marker: number, real: number): boolean =>
        value === marker || value === real;
      if (
        !agrees(eEntriesDisk, MAX16, zEntriesDisk) || !agrees(eEntries, MAX16, zEntries) ||
        !agrees(eCdSize, MAX32, zCdSize) || !agrees(eCdOffset, MAX32, zCdOffset)
      ) {
        this.report(
          "zip64-invalid",
          "An end record value is neither its zip64 value nor the saturation marker",
        );
        return this.result();
      }
      if (zEntriesDisk !== zEntries) {
        this.report(
          "zip-central-directory-invalid",
          `The zip64 end record counts ${zEntriesDisk} entries on this disk but ${zEntries} in total`,
        );
        return this.result();
      }
      count = zEntries;
      cdSize = zCdSize;
      cdOffset = zCdOffset;
      dirEnd = z64Start;
      if (cdOffset + this.base + cdSize !== dirEnd) {
        this.report(
          "zip-central-directory-invalid",
          "The central directory does not end where the zip64 end record begins",
        );
        return this.result();
      }
    } else {
      if (eDisk !== 0 || eCdDisk !== 0) {
        this.report("zip-multi-disk", `The end record names disk ${eDisk} and directory disk ${eCdDisk}`);
        return this.result();
      }
      if (eEntriesDisk !== eEntries) {
        this.report(
          "zip-central-directory-invalid",
          `The end record counts ${eEntriesDisk} entries on this disk but ${eEntries} in total`,
        );
        return this.result();
      }
      count = eEntries;
      cdSize = eCdSize;
      cdOffset = eCdOffset;
      dirEnd = endStart;
      // The directory lies directly before the end record. When its recorded offset is smaller,
      // the archive was prefixed and every recorded offset counts from the prefix's end.
      const start = dirEnd - cdSize;
      if (start < 0 || start < cdOffset) {
        this.report(
          "zip-central-directory-invalid",
          `The central directory (${cdSize} bytes at ${cdOffset}) does not end where the end record begins`,
        );
        return this.result();
      }
      this.base = start - cdOffset;
    }
    const cdStart = dirEnd - cdSize;

    if (this.limits.maxMembers > 0 && count > this.limits.maxMembers) {
      this.report(
        "limit-members",
        `The archive has ${count} entries, more than the limit of ${this.limits.maxMembers}`,
      );
      return this.result();
    }
    if (count * CENTRAL_HEADER_SIZE > cdSize) {
      this.report(
        "zip-central-directory-invalid",
        `The end record counts ${count} entries, which cannot fit in a ${cdSize}-byte central directory`,
      );
      return this.result();
    }
    if (!await this.readCentral(cdStart, dirEnd, count)) return this.result();
    this.checkLimits();
    await this.readLocals();
    this.checkTiling(cdStart);
    return this.result();
  }

  async readCentral(cdStart: number, dirEnd: number, count: number): Promise<boolean> {
    const reader = new WindowReader(this.source, 1024 * 1024);
    let at = cdStart;
    for (let i = 0; i < count; i++) {
      if (at + CENTRAL_HEADER_SIZE > dirEnd) {
        this.report(
          "zip-central-directory-invalid",
          `Central directory entry ${i + 1} runs past the directory`,
        );
        return false;
      }
      const h = await reader.read(at, CENTRAL_HEADER_SIZE);
      if (u32(h, 0) !== SIG_CENTRAL) {
        this.report("zip-central-directory-invalid", `Central directory entry ${i + 1} lacks its signature`);
        return false;
      }
      const nameLength = u16(h, 28);
      const extraLength = u16(h, 30);
      const commentLength = u16(h, 32);
      const varLength = nameLength + extraLength + commentLength;
      if (at + CENTRAL_HEADER_SIZE + varLength > dirEnd) {
        this.report(
          "zip-central-directory-invalid",
          `Central directory entry ${i + 1} runs past the directory`,
        );
        return false;
      }
      const fixed = h.slice();
      const nameBytes = (await reader.read(at + CENTRAL_HEADER_SIZE, nameLength)).slice();
      const extra = await reader.read(at + CENTRAL_HEADER_SIZE + nameLength, extraLength);
      if (!this.addCentral(i, fixed, nameBytes, extra)) return false;
      at += CENTRAL_HEADER_SIZE + varLength;
    }
    if (at !== dirEnd) {
      this.report(
        "zip-central-directory-invalid",
        `The central directory holds ${dirEnd - at} bytes after its ${count} entries`,
      );
      return false;
    }
    return true;
  }

  /** Records one central directory entry and its header-only problems; false on a fatal problem. */
  addCentral(index: number, h: Uint8Array, nameBytes: Uint8Array, extraArea: Uint8Array): boolean {
    const versionMadeBy = u16(h, 4);
    const flags = u16(h, 8);
    const method = u16(h, 10);
    const host = versionMadeBy >>> 8;
    const externalAttributes = u32(h, 38);
    const unixMode = host === HOST_UNIX || host === HOST_MACOS ? externalAttributes >>> 16 : null;
    const decoded = decodeName(nameBytes, flags);
    const w: Work = {
      index,
      nameBytes,
      name: decoded.name,
      displayName: decoded.display,
      versionMadeBy,
      flags,
      method,
      dosTime: u16(h, 12),
      dosDate: u16(h, 14),
      crc32: u32(h, 16),
      compressedSize: u32(h, 20),
      uncompressedSize: u32(h, 24),
      localHeaderOffset: u32(h, 42),
      externalAttributes,
      unixMode,
      kind: kindOf(nameBytes, unixMode, externalAttributes),
      located: true,
      dataOffset: null,
      end: null,
      problems: [],
      readable: true,
    };
    this.works.push(w);
    const diskStart = u16(h, 34);
    if (diskStart !== 0 && diskStart !== MAX16) {
      this.entryProblem(w, "zip-multi-disk", `The entry starts on disk ${diskStart}`);
      return false;
    }

    if (this.requireUnixHost && unixMode === null) {
      this.entryProblem(
        w,
        "zip-host-unsupported",
        `The entry was written on host ${host}, whose file modes cannot be read`,
      );
    }
    if (!decoded.ok) {
      this.entryProblem(
        w,
        "name-not-utf8",
        (flags & FLAG_UTF8) === 0
          ? "The name has non-ASCII bytes but the UTF-8 flag is not set"
          : "The name is not valid UTF-8",
      );
    }
    if ((flags & FLAGS_ENCRYPTION) !== 0 || method === METHOD_AES) {
      this.entryProblem(w, "zip-encrypted", "The entry is encrypted");
    }
    const unknownFlags = flags & ~(FLAGS_ALLOWED | FLAGS_ENCRYPTION);
    if (unknownFlags !== 0) {
      this.entryProblem(
        w,
        "zip-unsupported-flags",
        `The entry sets unsupported flag bits 0x${hex4(unknownFlags)}`,
      );
    }
    if (method !== METHOD_STORE && method !== METHOD_DEFLATE && method !== METHOD_AES) {
      this.entryProblem(w, "zip-unsupported-method", `The entry uses compression method ${method}`);
    }

    const extra = parseExtra(extraArea);
    if (extra.unicodePath) {
      this.entryProblem(
        w,
        "zip-unicode-path-field",
        "The central header carries an Info-ZIP Unicode Path field",
      );
    }
    let extraProblem: string | null = extra.valid
      ? null
      : "The central extra field area is not a sequence of blocks";
    const needsUsize = w.uncompressedSize === MAX32;
    const needsCsize = w.compressedSize === MAX32;
    const needsOffset = w.localHeaderOffset === MAX32;
    const needsDisk = diskStart === MAX16;
    if (needsUsize || needsCsize || needsOffset || needsDisk) {
      const z = extra.zip64;
      const need = (needsUsize ? 8 : 0) + (needsCsize ? 8 : 0) + (needsOffset ? 8 : 0) + (needsDisk ? 4 : 0);
      if (z === null || z.length < need) {
        extraProblem ??= "The zip64 extra block is missing or too short for the saturated header fields";
        w.located = false;
      } else {
        let at = 0;
        const take = (): number | null => {
          const v = u64(z, at);
          at += 8;
          return v;
        };
        const usize = needsUsize ? take() : w.uncompressedSize;
        const csize = needsCsize ? take() : w.compressedSize;
        const offset = needsOffset ? take() : w.localHeaderOffset;
        if (usize === null || csize === null || offset === null) {
          extraProblem ??= "A zip64 extra block value is too large";
          w.located = false;
        } else {
          w.uncompressedSize = usize;
          w.compressedSize = csize;
          w.localHeaderOffset = offset;
        }
        if (needsDisk && u32(z, at) !== 0) extraProblem ??= "The zip64 extra block names a disk other than 0";
      }
    }
    if (extraProblem !== null) this.entryProblem(w, "zip-extra-field-invalid", extraProblem);
    if (method === METHOD_STORE && w.located && w.compressedSize !== w.uncompressedSize) {
      this.entryProblem(
        w,
        "zip-size-mismatch",
        `The stored entry declares ${w.compressedSize} compressed but ${w.uncompressedSize} uncompressed bytes`,
      );
    }
    if (w.located) w.localHeaderOffset += this.base;
    return true;
  }

  checkLimits(): void {
    let total = 0;
    for (const w of this.works) total += w.uncompressedSize;
    this.total = total;
    const { maxTotalBytes, maxRatio } = this.limits;
    if (maxTotalBytes > 0 && total > maxTotalBytes) {
      this.overTotal = true;
      this.report(
        "limit-total-bytes",
        `The entries declare ${total} uncompressed bytes in total, more than the limit of ${maxTotalBytes}`,
      );
    }
    for (const w of this.works) {
      if (w.method === METHOD_DEFLATE && exceedsRatio(w.uncompressedSize, w.compressedSize, maxRatio)) {
        this.entryProblem(
          w,
          "limit-ratio",
          `The entry expands ${w.compressedSize} bytes to ${w.uncompressedSize}, a ratio above the limit of ${maxRatio}`,
        );
      }
    }
  }

  async readLocals(): Promise<void> {
    const reader = new WindowReader(this.source, 256 * 1024);
    for (const w of this.works) {
      if (w.located) await this.readLocal(reader, w);
    }
  }

  async readLocal(reader: WindowReader, w: Work): Promise<void> {
    const size = this.size;
    const at = w.localHeaderOffset;
    if (at + LOCAL_HEADER_SIZE > size) {
      this.entryProblem(
        w,
        "zip-local-header-invalid",
        `The local header offset ${at} lies past the end of the file`,
      );
      return;
    }
    const h = await reader.read(at, LOCAL_HEADER_SIZE);
    if (u32(h, 0) !== SIG_LOCAL) {
      this.entryProblem(w, "zip-local-header-invalid", `No local header signature at offset ${at}`);
      return;
    }
    const flags = u16(h, 6);
    const method = u16(h, 8);
    const crc = u32(h, 14);
    let csize = u32(h, 18);
    let usize = u32(h, 22);
    const nameLength = u16(h, 26);
    const extraLength = u16(h, 28);
    const dataOffset = at + LOCAL_HEADER_SIZE + nameLength + extraLength;
    if (dataOffset > size) {
      this.entryProblem(
        w,
        "zip-local-header-invalid",
        "The local header's name or extra area runs past the end of the file",
      );
      return;
    }
    const dataEnd = dataOffset + w.compressedSize;
    if (dataEnd > size) {
      this.entryProblem(
        w,
        "zip-local-header-invalid",
        `The entry's ${w.compressedSize} data bytes run past the end of the file`,
      );
      return;
    }
    const nameBytes = await reader.read(at + LOCAL_HEADER_SIZE, nameLength);
    const extraArea = await reader.read(at + LOCAL_HEADER_SIZE + nameLength, extraLength);
    w.dataOffset = dataOffset;
    w.end = dataEnd;

    const extra = parseExtra(extraArea);
    if (extra.unicodePath && !w.problems.some((p) => p.code === "zip-unicode-path-field")) {
      this.entryProblem(
        w,
        "zip-unicode-path-field",
        "The local header carries an Info-ZIP Unicode Path field",
      );
    }
    let extraProblem: string | null = extra.valid
      ? null
      : "The local extra field area is not a sequence of blocks";
    const localZip64 = extra.zip64 !== null;
    if (usize === MAX32 || csize === MAX32) {
      const z = extra.zip64;
      const need = (usize === MAX32 ? 8 : 0) + (csize === MAX32 ? 8 : 0);
      if (z === null || z.length < need) {
        extraProblem ??=
          "The local zip64 extra block is missing or too short for the saturated header fields";
      } else {
        let zAt = 0;
        if (usize === MAX32) {
          usize = u64(z, zAt) ?? -1;
          zAt += 8;
        }
        if (csize === MAX32) csize = u64(z, zAt) ?? -1;
        if (usize < 0 || csize < 0) extraProblem ??= "A local zip64 extra block value is too large";
      }
    }
    if (extraProblem !== null && !w.problems.some((p) => p.code === "zip-extra-field-invalid")) {
      this.entryProblem(w, "zip-extra-field-invalid", extraProblem);
    }

    const mismatches: string[] = [];
    if (!sameBytes(nameBytes, w.nameBytes)) mismatches.push("name");
    if (method !== w.method) mismatches.push("method");
    const bits = FLAG_ENCRYPTED | FLAG_DESCRIPTOR | FLAG_UTF8;
    if ((flags & bits) !== (w.flags & bits)) mismatches.push("flags");
    const descriptor = (w.flags & FLAG_DESCRIPTOR) !== 0;
    if (descriptor && w.kind === "directory") mismatches.push("data descriptor flag on a directory");
    if (!descriptor) {
      if (crc !== w.crc32) mismatches.push("CRC-32");
      if (csize !== w.compressedSize) mismatches.push("compressed size");
      if (usize !== w.uncompressedSize) mismatches.push("uncompressed size");
    } else {
      const zero = crc === 0 && csize === 0 && usize === 0;
      const equal = crc === w.crc32 && csize === w.compressedSize && usize === w.uncompressedSize;
      if (!zero && !equal) mismatches.push("CRC-32 and sizes");
      const wide = localZip64 || w.compressedSize >= MAX32 || w.uncompressedSize >= MAX32;
      const found = await this.findDescriptor(reader, w, dataEnd, wide);
      if (found === null || !found.matched) mismatches.push("data descriptor");
      if (found !== null) w.end = dataEnd + found.length;
    }
    if (mismatches.length > 0) {
      this.entryProblem(
        w,
        "zip-header-mismatch",
        `The local header disagrees with the central directory: ${mismatches.join(", ")}`,
      );
    }
  }

  /**
   * Looks for a data descriptor right after the data, with or without its signature, in the form
   * §1.8 expects (`wide`: 8-byte sizes). `matched` tells whether it carries the central CRC-32 and
   * sizes. A signed descriptor with other values still belongs to the entry's span.
   */
  async findDescriptor(
    reader: WindowReader,
    w: Work,
    at: number,
    wide: boolean,
  ): Promise<{ length: number; matched: boolean } | null> {
    const bodyLength = wide ? 20 : 12;
    const available = this.size - at;
    const matches = (b: Uint8Array, off: number): boolean => {
      if (u32(b, off) !== w.crc32) return false;
      if (wide) return u64(b, off + 4) === w.compressedSize && u64(b, off + 12) === w.uncompressedSize;
      return u32(b, off + 4) === w.compressedSize && u32(b, off + 8) === w.uncompressedSize;
    };
    let signed = false;
    if (available >= 4 + bodyLength) {
      const b = await reader.read(at, 4 + bodyLength);
      signed = u32(b, 0) === SIG_DESCRIPTOR;
      if (signed && matches(b, 4)) return { length: 4 + bodyLength, matched: true };
    }
    if (available >= bodyLength) {
      const b = await reader.read(at, bodyLength);
      if (matches(b, 0)) return { length: bodyLength, matched: true };
    }
    return signed ? { length: 4 + bodyLength, matched: false } : null;
  }

  checkTiling(cdStart: number): void {
    const spans = this.works.filter((w) => w.end !== null);
    if (this.works.length === 0) {
      if (cdStart > 0) this.report("zip-leading-data", `${cdStart} bytes precede the central directory`);
      return;
    }
    if (spans.length === 0) return;
    // Central directory order must be the physical order.
    for (let i = 1; i < spans.length; i++) {
      if (spans[i]!.localHeaderOffset < spans[i - 1]!.localHeaderOffset) {
        this.entryProblem(
          spans[i]!,
          "zip-gap",
          "The central directory order differs from the physical order of the local headers",
          true,
        );
        break;
      }
    }
    const sorted = [...spans].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset || a.index - b.index);
    const first = sorted[0]!;
    if (first.localHeaderOffset > 0) {
      this.report("zip-leading-data", `${first.localHeaderOffset} bytes precede the first local header`);
    }
    let cursor = first.localHeaderOffset;
    let holder: Work | null = null;
    // Every entry involved in an overlap gets one zip-overlap and becomes unreadable.
    const overlapping = new Map<Work, string>();
    const overlap = (w: Work, message: string): void => {
      if (!overlapping.has(w)) overlapping.set(w, message);
    };
    for (const w of sorted) {
      const start = w.localHeaderOffset;
      const stop = w.end!;
      if (holder !== null && start < cursor) {
        overlap(w, `The entry's bytes overlap those of "${holder.displayName}"`);
        overlap(holder, `The entry's bytes overlap those of "${w.displayName}"`);
      } else if (holder !== null && start > cursor) {
        this.entryProblem(w, "zip-gap", `${start - cursor} bytes before the entry belong to no entry`, true);
      }
      if (stop > cdStart) overlap(w, "The entry's bytes overlap the central directory or end records");
      if (holder === null || stop > cursor) {
        cursor = stop;
        holder = w;
      }
    }
    for (const [w, message] of overlapping) this.entryProblem(w, "zip-overlap", message);
    if (cursor < cdStart) {
      this.entryProblem(
        holder!,
        "zip-gap",
        `${cdStart - cursor} bytes between the last entry and the central directory belong to no entry`,
        true,
      );
    }
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}
