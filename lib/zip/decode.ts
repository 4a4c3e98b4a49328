/**
 * Streaming decode of one entry: copy (stored) or inflate (deflate), computing CRC-32 and the
 * decoded length on the way, never trusting the declared sizes (amod.md §5.3 phase 3, anpkg.md
 * §3.2 item 5). Memory stays flat: compressed data is read in 1 MiB pieces, stored data in
 * 4 MiB pieces, and each inflate step releases at most 1 MiB.
 *
 * Inflation uses the pinned zlib build of `zlib.ts` rather than `DecompressionStream`: zlib says
 * exactly where a stream ends and whether it is malformed, so the three failure codes come out
 * exactly (Deno's `DecompressionStream("deflate-raw")` accepts a truncated stream silently and
 * reports trailing bytes and corruption only through message text), and it inflates faster here
 * (~1.1–1.5 GB/s against ~0.25–0.3 GB/s on repetitive text).
 *
 * @module
 */

import type { Code } from "../report/codes.ts";
import { type Problem, problem } from "../report/report.ts";
import { crc32, type Crc32Function, NATIVE_CRC32_THRESHOLD, nativeCrc32 } from "./crc32.ts";
import { METHOD_DEFLATE, METHOD_STORE } from "./format.ts";
import type { ZipEntry } from "./read.ts";
import type { ZipSource } from "./source.ts";
import { INFLATE_STEP_MAX, RawInflater } from "./zlib.ts";

/** Receives decoded bytes in order. The chunk must not be kept after the promise settles unless copied. */
export type DecodeSink = (chunk: Uint8Array) => void | Promise<void>;

/** How decoding one entry ended. */
export type DecodeOutcome =
  /** Decoded length and CRC-32 equal the declared ones. */
  | { readonly status: "ok"; readonly size: number; readonly crc32: number }
  /** A container problem (`zip-size-mismatch`, `zip-crc-mismatch`, `zip-deflate-invalid`, …). */
  | { readonly status: "problem"; readonly problem: Problem; readonly size: number }
  /** Decoding stopped because more than `maxBytes` bytes would have been delivered. */
  | { readonly status: "limit"; readonly size: number };

/** Options of {@link decodeEntry}. */
export interface DecodeOptions {
  /** Deliver at most this many bytes; beyond, stop with status `limit` (e.g. a remaining byte budget). */
  readonly maxBytes?: number;
  /**
   * Reuse two read buffers and one output buffer for the whole entry instead of allocating per
   * chunk: a large entry then leaves no garbage behind (peak memory stays flat and no time goes to
   * faulting in fresh pages). Each chunk is valid only until the sink's promise settles, so use
   * this only with a sink that copies whatever it keeps.
   */
  readonly reuseBuffers?: boolean;
  /**
   * Lends the buffers inflate steps write into (instead of one reused output buffer): each
   * deflated chunk handed to the sink is then a view of a borrowed buffer that the sink owns from
   * then on and passes on without copying (the hashing thread does). Buffers the sink never saw go
   * back to the lender. Use it only with a sink that takes ownership so; reads reuse their buffers.
   */
  readonly lender?: OutputLender;
  /**
   * The CRC-32 is computed elsewhere, by whoever receives the chunks (the hashing thread does it
   * beside the digest): called once after the last chunk, it returns the CRC-32 of every byte the
   * sink was given, and the decoder compares it as it would its own. Saves the decoding thread
   * both the work and loading the native CRC-32.
   */
  readonly crc?: () => Promise<number>;
}

/** Lends the buffers an inflate writes into; see {@link DecodeOptions.lender}. */
export interface OutputLender {
  /** A buffer of at least {@link INFLATE_STEP_MAX} bytes, now the decoder's. */
  borrow(): Promise<Uint8Array>;
  /** Takes back a borrowed buffer that was not handed to the sink. */
  giveBack(buffer: Uint8Array): void;
}

const COMPRESSED_CHUNK = 1024 * 1024;
const STORED_CHUNK = 4 * 1024 * 1024;

/**
 * Decodes one entry and streams its content to `sink`. Call it only for readable entries
 * (`entry.readable`); for others the outcome is whatever the damage produces. Operational read
 * failures of the source propagate as exceptions.
 *
 * @example
 * ```ts
 * import { decodeEntry } from "./decode.ts";
 * import { readZip } from "./read.ts";
 * import { bytesSource } from "./source.ts";
 * import { writeStoredZip } from "./stored.ts";
 * import { ANPKG_LIMITS } from "./limits.ts";
 * const zip = writeStoredZip([{ name: "a.txt", data: new TextEncoder().encode("hi") }]);
 * if (!zip.ok) throw new Error(zip.message);
 * const source = bytesSource(zip.bytes);
 * const archive = await readZip(source, { limits: ANPKG_LIMITS });
 * const chunks: Uint8Array[] = [];
 * const outcome = await decodeEntry(source, archive.entries[0]!, (c) => void chunks.push(c.slice()));
 * console.assert(outcome.status === "ok" && new TextDecoder().decode(chunks[0]) === "hi");
 * ```
 */
export async function decodeEntry(
  source: ZipSource,
  entry: ZipEntry,
  sink: DecodeSink,
  options: DecodeOptions = {},
): Promise<DecodeOutcome> {
  const fail = (code: Code, message: string, size: number): DecodeOutcome => ({
    status: "problem",
    problem: problem(code, message, { member: entry.displayName }),
    size,
  });
  const start = entry.dataOffset;
  if (start === null || start + entry.compressedSize > source.size) {
    return fail("zip-local-header-invalid", "The entry's data cannot be located", 0);
  }
  const declared = entry.uncompressedSize;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const crcOf: Crc32Function | null = options.crc !== undefined
    ? null
    : declared >= NATIVE_CRC32_THRESHOLD
    ? await nativeCrc32()
    : crc32;
  let produced = 0;
  let crc = 0;

  /** Takes one decoded chunk; returns an outcome when decoding must stop. */
  const deliver = async (chunk: Uint8Array): Promise<DecodeOutcome | null> => {
    if (produced + chunk.length > declared) {
      return fail(
        "zip-size-mismatch",
        `The entry decodes to more than its declared ${declared} bytes`,
        Math.min(produced + chunk.length, declared + 1),
      );
    }
    if (produced + chunk.length > maxBytes) return { status: "limit", size: produced };
    if (crcOf !== null) crc = crcOf(chunk, crc);
    produced += chunk.length;
    await sink(chunk);
    return null;
  };

  const finish = async (): Promise<DecodeOutcome> => {
    if (produced !== declared) {
      return fail(
        "zip-size-mismatch",
        `The entry decodes to ${produced} bytes, not the declared ${declared}`,
        produced,
      );
    }
    if (options.crc !== undefined) crc = await options.crc();
    if (crc !== entry.crc32) {
      return fail(
        "zip-crc-mismatch",
        `The CRC-32 of the decoded bytes is ${hex8(crc)}, not the declared ${hex8(entry.crc32)}`,
        produced,
      );
    }
    return { status: "ok", size: produced, crc32: crc };
  };

  if (entry.method === METHOD_STORE) {
    if (entry.compressedSize !== declared) {
      return fail(
        "zip-size-mismatch",
        `The stored entry declares ${entry.compressedSize} compressed but ${declared} uncompressed bytes`,
        0,
      );
    }
    const reads = new ReadAhead(source, start, entry.compressedSize, STORED_CHUNK, options.reuseBuffers);
    for (let chunk = await reads.next(); chunk !== null; chunk = await reads.next()) {
      const stop = await deliver(chunk);
      if (stop !== null) {
        await reads.drain();
        return stop;
      }
    }
    return await finish();
  }
  if (entry.method !== METHOD_DEFLATE) {
    return fail("zip-unsupported-method", `The entry uses compression method ${entry.method}`, 0);
  }

  const inflater = new RawInflater();
  const total = entry.compressedSize;
  const lender = options.lender ?? null;
  const reads = new ReadAhead(
    source,
    start,
    total,
    COMPRESSED_CHUNK,
    options.reuseBuffers === true || lender !== null,
  );
  // The buffer the next step writes into: none (fresh copies), one reused, or one borrowed.
  let into: Uint8Array | null = options.reuseBuffers === true && lender === null
    ? new Uint8Array(INFLATE_STEP_MAX)
    : null;
  /** Bytes of a lent `into` already written and not yet delivered. */
  let filled = 0;
  try {
    let at = 0;
    while (at < total) {
      const input = await reads.next() as Uint8Array;
      inflater.setInput(input);
      at += input.length;
      for (;;) {
        let target = into;
        if (lender !== null) {
          if (into === null) {
            into = await lender.borrow();
            filled = 0;
          }
          target = into.subarray(filled);
        }
        const s = inflater.step(target);
        if (s.output.length > 0 && lender === null) {
          const stop = await deliver(s.output);
          if (stop !== null) return stop;
        } else if (s.output.length > 0 && into !== null) {
          // A lent buffer collects several steps and goes to the sink once another step might
          // not fit, or at the end: fewer, larger chunks mean fewer messages to the thread.
          filled += s.output.length;
          if (into.length - filled < INFLATE_STEP_MAX || s.ended) {
            const stop = await deliver(into.subarray(0, filled));
            if (stop !== null) return stop;
            into = null; // the sink owns it now
          }
        }
        if (s.invalid) return fail("zip-deflate-invalid", "The deflate stream is malformed", produced);
        if (s.ended) {
          if (inflater.pendingInput > 0 || at < total) {
            return fail(
              "zip-size-mismatch",
              `The deflate stream ends ${
                inflater.pendingInput + total - at
              } bytes before the declared compressed size`,
              produced,
            );
          }
          return await finish();
        }
        if (s.output.length === 0 && inflater.pendingInput === 0) break;
      }
    }
    return fail(
      "zip-size-mismatch",
      "The deflate stream continues past the declared compressed size",
      produced,
    );
  } finally {
    if (lender !== null && into !== null) lender.giveBack(into);
    inflater.dispose();
    await reads.drain();
  }
}

/**
 * Sequential chunks of a byte range with the next read already under way while the caller
 * works on the current chunk, so file I/O overlaps inflating and hashing. With `reuse`, reads
 * alternate between two buffers: a chunk stays valid until the next call of `next` but one.
 */
class ReadAhead {
  #pending: Promise<Uint8Array> | null = null;
  #at: number;
  readonly #end: number;
  readonly #buffers: Uint8Array[] = [];
  #turn = 0;

  constructor(
    readonly source: ZipSource,
    start: number,
    length: number,
    readonly chunk: number,
    reuse = false,
  ) {
    this.#at = start;
    this.#end = start + length;
    if (reuse && source.readInto !== undefined && length > chunk) {
      this.#buffers = [new Uint8Array(chunk), new Uint8Array(chunk)];
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#at >= this.#end) {
      this.#pending = null;
      return;
    }
    const n = Math.min(this.chunk, this.#end - this.#at);
    const buffer = this.#buffers[this.#turn++ & 1];
    this.#pending = buffer !== undefined && this.source.readInto !== undefined
      ? this.source.readInto(this.#at, buffer.subarray(0, n))
      : this.source.read(this.#at, n);
    // A read nobody awaits (decoding stopped early) must not surface as an unhandled rejection.
    this.#pending.catch(() => {});
    this.#at += n;
  }

  /** The next chunk, or null at the end of the range. */
  async next(): Promise<Uint8Array | null> {
    const current = this.#pending;
    if (current === null) return null;
    const bytes = await current;
    this.#schedule();
    return bytes;
  }

  /** Waits for a read still under way (so the shared file position is free again). */
  async drain(): Promise<void> {
    await this.#pending?.catch(() => {});
    this.#pending = null;
  }
}

function hex8(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
