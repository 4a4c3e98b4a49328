/**
 * The streaming `.amod` archive writer (amod.md §1.3–§1.7): our own headers, written member by
 * member to a sink, so that 100 000 members cost little more than their bytes. Directories are
 * stored without a descriptor; symlinks are stored with one; files are deflated (or stored) with
 * one. Every member carries the snapshot instant as MS-DOS time and as an extended-timestamp block;
 * zip64 blocks and end records appear exactly when §1.7 requires them.
 *
 * **Ratio fallback (§1.6).** A deflated file of at least 1 MiB whose ratio would exceed the
 * configured limit is rewritten stored: the writer rewinds the sink to the member's local header
 * (`truncate`) and asks the content for a second pass (`content(2)`). It compares the size and
 * CRC-32 of both passes and throws {@link SourceChangedError} when they differ; a caller that also
 * hashes the content with SHA-256 (as create does for the inventory) compares its two digests in
 * the same callback — the pass number tells it which read it is serving.
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";

import { crc32, type Crc32Function, NATIVE_CRC32_THRESHOLD, nativeCrc32 } from "./crc32.ts";
import {
  CENTRAL_HEADER_SIZE,
  END_RECORD_SIZE,
  EXTRA_TIMESTAMP,
  EXTRA_ZIP64,
  FLAG_DESCRIPTOR,
  FLAG_UTF8,
  LOCAL_HEADER_SIZE,
  MAX16,
  MAX32,
  METHOD_DEFLATE,
  METHOD_STORE,
  put16,
  put32,
  put64,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  SIG_CENTRAL,
  SIG_DESCRIPTOR,
  SIG_END,
  SIG_LOCAL,
  SIG_ZIP64_END,
  SIG_ZIP64_LOCATOR,
  ZIP64_END_RECORD_SIZE,
  ZIP64_LOCATOR_SIZE,
} from "./format.ts";
import { AMOD_LIMITS, exceedsRatio } from "./limits.ts";
import { RawDeflater } from "./zlib.ts";

/** Where the writer puts bytes. `position` is the number of bytes written so far. */
export interface ZipSink {
  /**
   * Appends bytes at `position` (which then grows by their length). The writer reuses the
   * buffer behind `bytes` once the promise settles: copy what you keep.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly position: number;
  /** Discards everything from `to` on and continues writing there (needed for the ratio fallback). */
  truncate?(to: number): Promise<void>;
}

/** A sink collecting bytes in memory. */
export interface MemorySink extends ZipSink {
  /** Everything written, as one array. */
  bytes(): Uint8Array;
}

/**
 * A sink that keeps the archive in memory (tests, small archives).
 *
 * @example
 * ```ts
 * import { memorySink } from "./write.ts";
 * const s = memorySink();
 * await s.write(new Uint8Array([1, 2, 3]));
 * await s.truncate!(1);
 * console.assert(s.position === 1 && s.bytes()[0] === 1);
 * ```
 */
export function memorySink(): MemorySink {
  let chunks: Uint8Array[] = [];
  let position = 0;
  return {
    get position(): number {
      return position;
    },
    write(bytes: Uint8Array): Promise<void> {
      chunks.push(bytes.slice());
      position += bytes.length;
      return Promise.resolve();
    },
    truncate(to: number): Promise<void> {
      const all = concatBytes(chunks);
      chunks = [all.subarray(0, Math.min(to, all.length))];
      position = chunks[0]!.length;
      return Promise.resolve();
    },
    bytes(): Uint8Array {
      const all = concatBytes(chunks);
      chunks = [all];
      return all;
    },
  };
}

/** The file operations {@link fileSink} needs (a `Deno.FsFile` has them). */
export interface WritableFile {
  /** Writes at the file position; returns the number of bytes written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Cuts the file to `length` bytes. */
  truncate(length?: number): Promise<void>;
  /** Moves the file position. */
  seek(offset: number | bigint, whence: Deno.SeekMode): Promise<number>;
}

/**
 * A sink over a file opened for writing and positioned at its start (usually a new temporary
 * file). The caller owns the handle.
 *
 * @example
 * ```ts
 * import { fileSink } from "./write.ts";
 * const path = await Deno.makeTempFile();
 * using file = await Deno.open(path, { write: true, truncate: true });
 * const s = fileSink(file);
 * await s.write(new Uint8Array([1, 2, 3]));
 * await s.truncate!(2);
 * console.assert((await Deno.readFile(path)).length === 2);
 * await Deno.remove(path);
 * ```
 */
export function fileSink(file: WritableFile): ZipSink {
  let position = 0;
  return {
    get position(): number {
      return position;
    },
    async write(bytes: Uint8Array): Promise<void> {
      let at = 0;
      while (at < bytes.length) at += await file.write(bytes.subarray(at));
      position += bytes.length;
    },
    async truncate(to: number): Promise<void> {
      await file.truncate(to);
      await file.seek(to, Deno.SeekMode.Start);
      position = to;
    },
  };
}

/**
 * The content of a file member: the bytes, or a function returning them as a stream. The function
 * is called with pass 1, and once more with pass 2 when the ratio fallback rewrites the member.
 */
export type FileContent =
  | Uint8Array
  | ((pass: 1 | 2) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);

/** What was written for one member. */
export interface WrittenEntry {
  /** Offset of the member's local header. */
  readonly offset: number;
  /** 0 (stored) or 8 (deflated). */
  readonly method: number;
  /** CRC-32 of the content. */
  readonly crc32: number;
  /** Bytes of data written. */
  readonly compressedSize: number;
  /** Content length. */
  readonly uncompressedSize: number;
  /** The ratio fallback stored the member after deflating it. */
  readonly rewritten: boolean;
}

/** Options of {@link ZipWriter}. */
export interface ZipWriterOptions {
  /** The snapshot instant T in Unix seconds (an integer from 1980-01-01 to 2106-02-07). */
  readonly time: number;
  /** Ratio limit the output must respect (0 disables the fallback); default 200. */
  readonly maxRatio?: number;
  /** Bytes gathered before a write to the sink; default 1 MiB. */
  readonly bufferSize?: number;
}

/** Thrown when the second read of a file (ratio fallback) differs from the first. */
export class SourceChangedError extends Error {
  /** The member being written. */
  readonly member: string;
  /** Builds the error for one member. */
  constructor(member: string) {
    super(`The content of "${member}" changed while it was being written`);
    this.name = "SourceChangedError";
    this.member = member;
  }
}

/** Summary of a finished archive. */
export interface WrittenArchive {
  /** Total bytes written. */
  readonly size: number;
  /** Number of members. */
  readonly members: number;
  /** Zip64 end records were written. */
  readonly zip64: boolean;
}

interface Central {
  nameBytes: Uint8Array;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  offset: number;
  externalAttributes: number;
}

const VERSION_MADE_BY = 0x0314;
const FLUSH_AT = 1024 * 1024;
const PIECE = 1024 * 1024;
const encoder = new TextEncoder();

/** Seconds of 1980-01-01T00:00:00Z, the earliest MS-DOS date. */
const DOS_EPOCH = 315532800;

/**
 * MS-DOS date and time fields of an instant, from its UTC wall clock (amod.md §1.5); two-second
 * resolution.
 *
 * @example
 * ```ts
 * import { dosDateTime } from "./write.ts";
 * const t = dosDateTime(Date.UTC(2026, 5, 11, 12, 30, 45) / 1000);
 * console.assert(t.time === 0x63d6 && t.date === 0x5ccb);
 * ```
 */
export function dosDateTime(seconds: number): { date: number; time: number } {
  const d = new Date(seconds * 1000);
  return {
    date: d.getUTCDate() + ((d.getUTCMonth() + 1) << 5) + ((d.getUTCFullYear() - 1980) << 9),
    time: (d.getUTCSeconds() >> 1) + (d.getUTCMinutes() << 5) + (d.getUTCHours() << 11),
  };
}

/**
 * Whether the writer sets flag bit 11 for a name: it contains a code point below U+0020, above
 * U+007D, or U+005C (amod.md §1.7, mirroring the reference writer).
 *
 * @example
 * ```ts
 * import { needsUtf8Flag } from "./write.ts";
 * console.assert(needsUtf8Flag("a~b") && needsUtf8Flag("é") && !needsUtf8Flag("a/b.md"));
 * ```
 */
export function needsUtf8Flag(name: string): boolean {
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c > 0x7d || c === 0x5c) return true;
  }
  return false;
}

/**
 * External attributes of a member (amod.md §1.3): the Unix mode in the upper 16 bits, the MS-DOS
 * directory bit for directories, the MS-DOS read-only bit when the owner-write bit is missing.
 *
 * @example
 * ```ts
 * import { externalAttributes } from "./write.ts";
 * console.assert(externalAttributes("directory", 0o755) === 0x41ed0010);
 * console.assert(externalAttributes("file", 0o444) === 0x81240001);
 * console.assert(externalAttributes("symlink", 0o777) === 0xa1ff0000);
 * ```
 */
export function externalAttributes(kind: "file" | "directory" | "symlink", perm: number): number {
  const p = perm & 0o777;
  const type = kind === "directory" ? S_IFDIR : kind === "symlink" ? S_IFLNK : S_IFREG;
  return ((type | p) * 0x10000 + (kind === "directory" ? 0x10 : 0) + ((p & 0o200) === 0 ? 0x01 : 0)) >>> 0;
}

/**
 * Writes an `.amod` container member by member. Members appear in the order they are added; the
 * caller supplies walk order (§1.4). Call {@link ZipWriter.finish} once at the end.
 *
 * @example
 * ```ts
 * import { memorySink, ZipWriter } from "./write.ts";
 * const sink = memorySink();
 * const w = new ZipWriter(sink, { time: 1781181045 });
 * await w.addDirectory("payload/.agentmod/", 0o755);
 * await w.addFile("payload/.agentmod/agentmod.toml", 0o644, new TextEncoder().encode("schema_version = 1\n"));
 * const done = await w.finish();
 * console.assert(done.members === 2 && sink.bytes().length === done.size);
 * ```
 */
export class ZipWriter {
  #sink: ZipSink;
  #base: number;
  /** Bytes not yet written to the sink: the first `#pendingLength` bytes of a reused buffer. */
  #pending: Uint8Array = new Uint8Array(0);
  #pendingLength = 0;
  #central: Central[] = [];
  #dosDate: number;
  #dosTime: number;
  #timestamp: Uint8Array;
  #maxRatio: number;
  #bufferSize: number;
  #finished = false;

  /** Starts an archive at the sink's current position. */
  constructor(sink: ZipSink, options: ZipWriterOptions) {
    const t = options.time;
    if (!Number.isSafeInteger(t) || t < DOS_EPOCH || t > MAX32) {
      throw new RangeError(`The instant ${t} cannot be stored as both MS-DOS time and Unix seconds`);
    }
    this.#sink = sink;
    this.#base = sink.position;
    const { date, time } = dosDateTime(t);
    this.#dosDate = date;
    this.#dosTime = time;
    this.#timestamp = new Uint8Array(9);
    put16(this.#timestamp, 0, EXTRA_TIMESTAMP);
    put16(this.#timestamp, 2, 5);
    this.#timestamp[4] = 0x01;
    put32(this.#timestamp, 5, t);
    this.#maxRatio = options.maxRatio ?? AMOD_LIMITS.maxRatio;
    this.#bufferSize = Math.max(1, options.bufferSize ?? FLUSH_AT);
  }

  /** Offset (from the archive start) where the next byte goes. */
  get position(): number {
    return this.#sink.position - this.#base + this.#pendingLength;
  }

  /** Adds a directory member (`name` ends with `/`): stored, no data, no descriptor. */
  async addDirectory(name: string, perm: number): Promise<WrittenEntry> {
    this.#open();
    const nameBytes = encoder.encode(name);
    const flags = needsUtf8Flag(name) ? FLAG_UTF8 : 0;
    const offset = this.position;
    this.#push(this.#localHeader(nameBytes, flags, METHOD_STORE));
    this.#central.push({
      nameBytes,
      flags,
      method: METHOD_STORE,
      crc32: 0,
      compressedSize: 0,
      uncompressedSize: 0,
      offset,
      externalAttributes: externalAttributes("directory", perm),
    });
    await this.#flushIfFull();
    return {
      offset,
      method: METHOD_STORE,
      crc32: 0,
      compressedSize: 0,
      uncompressedSize: 0,
      rewritten: false,
    };
  }

  /** Adds a symlink member: the target bytes, stored, with a descriptor. */
  async addSymlink(name: string, target: Uint8Array | string, perm: number): Promise<WrittenEntry> {
    this.#open();
    const data = typeof target === "string" ? encoder.encode(target) : target;
    return await this.#addData(name, "symlink", perm, METHOD_STORE, data);
  }

  /**
   * Adds a regular file (or root document): deflated unless `method` is `"store"`, with a
   * descriptor; stored instead when deflating would exceed the ratio limit.
   */
  async addFile(
    name: string,
    perm: number,
    content: FileContent,
    options: { readonly method?: "deflate" | "store" } = {},
  ): Promise<WrittenEntry> {
    this.#open();
    const method = options.method === "store" ? METHOD_STORE : METHOD_DEFLATE;
    return await this.#addData(name, "file", perm, method, content);
  }

  /** Writes the central directory and end records, flushes, and returns the archive's size. */
  async finish(): Promise<WrittenArchive> {
    this.#open();
    this.#finished = true;
    const cdOffset = this.position;
    for (const c of this.#central) {
      this.#push(this.#centralHeader(c));
      if (this.#pendingLength >= this.#bufferSize) await this.#flush();
    }
    const cdSize = this.position - cdOffset;
    const count = this.#central.length;
    const zip64 = count >= MAX16 || cdSize >= MAX32 || cdOffset >= MAX32;
    if (zip64) {
      const z64At = this.position;
      const z = new Uint8Array(ZIP64_END_RECORD_SIZE + ZIP64_LOCATOR_SIZE);
      put32(z, 0, SIG_ZIP64_END);
      put64(z, 4, ZIP64_END_RECORD_SIZE - 12);
      put16(z, 12, 45);
      put16(z, 14, 45);
      // this disk, disk with the central directory: 0
      put64(z, 24, count);
      put64(z, 32, count);
      put64(z, 40, cdSize);
      put64(z, 48, cdOffset);
      put32(z, 56, SIG_ZIP64_LOCATOR);
      // disk holding the zip64 end record: 0
      put64(z, 64, z64At);
      put32(z, 72, 1);
      this.#push(z);
    }
    const e = new Uint8Array(END_RECORD_SIZE);
    put32(e, 0, SIG_END);
    put16(e, 8, zip64 ? MAX16 : count);
    put16(e, 10, zip64 ? MAX16 : count);
    put32(e, 12, zip64 ? MAX32 : cdSize);
    put32(e, 16, zip64 ? MAX32 : cdOffset);
    this.#push(e);
    await this.#flush();
    return { size: this.position, members: count, zip64 };
  }

  #open(): void {
    if (this.#finished) throw new TypeError("The archive is already finished");
  }

  async #addData(
    name: string,
    kind: "file" | "symlink",
    perm: number,
    method: number,
    content: FileContent,
  ): Promise<WrittenEntry> {
    const nameBytes = encoder.encode(name);
    const flags = FLAG_DESCRIPTOR | (needsUtf8Flag(name) ? FLAG_UTF8 : 0);
    const offset = this.position;
    let written = await this.#writeMember(nameBytes, flags, method, content, 1);
    let rewritten = false;
    if (
      method === METHOD_DEFLATE &&
      exceedsRatio(written.uncompressedSize, written.compressedSize, this.#maxRatio)
    ) {
      const first = written;
      await this.#rewind(offset);
      written = await this.#writeMember(nameBytes, flags, METHOD_STORE, content, 2);
      if (written.uncompressedSize !== first.uncompressedSize || written.crc32 !== first.crc32) {
        throw new SourceChangedError(name);
      }
      rewritten = true;
    }
    this.#central.push({
      nameBytes,
      flags,
      method: written.method,
      crc32: written.crc32,
      compressedSize: written.compressedSize,
      uncompressedSize: written.uncompressedSize,
      offset,
      externalAttributes: externalAttributes(kind, perm),
    });
    return { offset, ...written, rewritten };
  }

  /** Writes local header, data and descriptor; returns method, CRC-32 and sizes. */
  async #writeMember(
    nameBytes: Uint8Array,
    flags: number,
    method: number,
    content: FileContent,
    pass: 1 | 2,
  ): Promise<{ method: number; crc32: number; compressedSize: number; uncompressedSize: number }> {
    this.#push(this.#localHeader(nameBytes, flags, method));
    let crc = 0;
    let size = 0;
    let compressed = 0;
    let crcOf: Crc32Function = crc32;
    let native = false;
    const deflater = method === METHOD_DEFLATE ? new RawDeflater() : null;
    try {
      const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = content instanceof Uint8Array
        ? [content]
        : content(pass);
      for await (const chunk of chunks) {
        for (let at = 0; at < chunk.length; at += PIECE) {
          const piece = chunk.subarray(at, at + PIECE);
          if (!native && size + piece.length >= NATIVE_CRC32_THRESHOLD) {
            crcOf = await nativeCrc32();
            native = true;
          }
          crc = crcOf(piece, crc);
          size += piece.length;
          if (deflater === null) {
            this.#push(piece);
            compressed += piece.length;
          } else {
            deflater.pushTo(piece, (out) => {
              this.#push(out);
              compressed += out.length;
            });
          }
          await this.#flushIfFull();
        }
      }
      deflater?.finishTo((out) => {
        this.#push(out);
        compressed += out.length;
      });
    } finally {
      deflater?.dispose();
    }
    const wide = size >= MAX32 || compressed >= MAX32;
    const d = new Uint8Array(wide ? 24 : 16);
    put32(d, 0, SIG_DESCRIPTOR);
    put32(d, 4, crc);
    if (wide) {
      put64(d, 8, compressed);
      put64(d, 16, size);
    } else {
      put32(d, 8, compressed);
      put32(d, 12, size);
    }
    this.#push(d);
    await this.#flushIfFull();
    return { method, crc32: crc, compressedSize: compressed, uncompressedSize: size };
  }

  #localHeader(nameBytes: Uint8Array, flags: number, method: number): Uint8Array {
    const h = new Uint8Array(LOCAL_HEADER_SIZE + nameBytes.length + this.#timestamp.length);
    put32(h, 0, SIG_LOCAL);
    put16(h, 4, 20);
    put16(h, 6, flags);
    put16(h, 8, method);
    put16(h, 10, this.#dosTime);
    put16(h, 12, this.#dosDate);
    // CRC-32 and sizes: 0 (the descriptor, or nothing for directories, carries them)
    put16(h, 26, nameBytes.length);
    put16(h, 28, this.#timestamp.length);
    h.set(nameBytes, LOCAL_HEADER_SIZE);
    h.set(this.#timestamp, LOCAL_HEADER_SIZE + nameBytes.length);
    return h;
  }

  #centralHeader(c: Central): Uint8Array {
    const zip64 = c.uncompressedSize >= MAX32 || c.compressedSize >= MAX32 || c.offset >= MAX32;
    const extraLength = this.#timestamp.length + (zip64 ? 28 : 0);
    const h = new Uint8Array(CENTRAL_HEADER_SIZE + c.nameBytes.length + extraLength);
    put32(h, 0, SIG_CENTRAL);
    put16(h, 4, VERSION_MADE_BY);
    put16(h, 6, c.uncompressedSize >= MAX32 || c.compressedSize >= MAX32 ? 45 : 20);
    put16(h, 8, c.flags);
    put16(h, 10, c.method);
    put16(h, 12, this.#dosTime);
    put16(h, 14, this.#dosDate);
    put32(h, 16, c.crc32);
    put32(h, 20, zip64 ? MAX32 : c.compressedSize);
    put32(h, 24, zip64 ? MAX32 : c.uncompressedSize);
    put16(h, 28, c.nameBytes.length);
    put16(h, 30, extraLength);
    // comment length, disk number start, internal attributes: 0
    put32(h, 38, c.externalAttributes);
    put32(h, 42, c.offset >= MAX32 ? MAX32 : c.offset);
    let at = CENTRAL_HEADER_SIZE;
    h.set(c.nameBytes, at);
    at += c.nameBytes.length;
    h.set(this.#timestamp, at);
    at += this.#timestamp.length;
    if (zip64) {
      put16(h, at, EXTRA_ZIP64);
      put16(h, at + 2, 24);
      put64(h, at + 4, c.uncompressedSize);
      put64(h, at + 12, c.compressedSize);
      put64(h, at + 20, c.offset);
    }
    return h;
  }

  /** Copies bytes into the pending buffer (so callers may pass views they reuse). */
  #push(bytes: Uint8Array): void {
    const need = this.#pendingLength + bytes.length;
    if (need > this.#pending.length) {
      // Grows rarely: the buffer settles at the flush size plus the largest single push.
      const grown = new Uint8Array(Math.max(need, this.#bufferSize + PIECE, this.#pending.length * 2));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(bytes, this.#pendingLength);
    this.#pendingLength = need;
  }

  async #flushIfFull(): Promise<void> {
    if (this.#pendingLength >= this.#bufferSize) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pendingLength === 0) return;
    const length = this.#pendingLength;
    this.#pendingLength = 0;
    await this.#sink.write(this.#pending.subarray(0, length));
  }

  /** Discards everything written from `offset` (archive-relative) on. */
  async #rewind(offset: number): Promise<void> {
    const flushed = this.#sink.position - this.#base;
    if (offset >= flushed) {
      this.#pendingLength = offset - flushed;
      return;
    }
    if (this.#sink.truncate === undefined) {
      throw new TypeError("The sink cannot rewind, which the ratio fallback needs");
    }
    this.#pendingLength = 0;
    await this.#sink.truncate(this.#base + offset);
  }
}
