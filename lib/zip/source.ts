/**
 * Random-access byte sources for the zip reader: an in-memory buffer or an open file.
 *
 * @module
 */

/**
 * Random access to the bytes of an archive. `read` is only called with
 * `0 ≤ offset` and `offset + length ≤ size`, and must return exactly `length` bytes; a source that
 * cannot (the file shrank, an I/O error) throws — that is an operational failure, not bad input.
 */
export interface ZipSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads `length` bytes at `offset`. The result may share memory with the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Reads `target.length` bytes at `offset` into `target` where that saves an allocation, and
   * returns them: `target` itself, or (for a source in memory) a view of the source. Optional: a
   * caller falls back to {@link ZipSource.read}.
   */
  readInto?(offset: number, target: Uint8Array): Promise<Uint8Array>;
}

/**
 * A source over bytes in memory.
 *
 * @example
 * ```ts
 * import { bytesSource } from "./source.ts";
 * const s = bytesSource(new Uint8Array([1, 2, 3]));
 * console.assert((await s.read(1, 2))[1] === 3);
 * ```
 */
export function bytesSource(bytes: Uint8Array): ZipSource {
  return {
    size: bytes.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(offset, length, bytes.length);
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
    readInto(offset: number, target: Uint8Array): Promise<Uint8Array> {
      return this.read(offset, target.length);
    },
  };
}

/** The file operations {@link fileSource} needs (a `Deno.FsFile` has them). */
export interface SeekableFile {
  /** Moves the file position. */
  seek(offset: number | bigint, whence: Deno.SeekMode): Promise<number>;
  /** Reads into `buffer` at the file position; `null` at the end of the file. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * A source over an open file of known size. The caller owns the handle (opens and closes it), so
 * several readers can share one handle (restore keeps one open from validation to extraction).
 * Reads are serialised because each one is a seek followed by reads on the shared position.
 *
 * @example
 * ```ts
 * import { fileSource } from "./source.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array([7, 8, 9]));
 * using file = await Deno.open(path);
 * const s = fileSource(file, (await file.stat()).size);
 * console.assert((await s.read(2, 1))[0] === 9);
 * await Deno.remove(path);
 * ```
 */
export function fileSource(file: SeekableFile, size: number): ZipSource {
  let queue: Promise<unknown> = Promise.resolve();
  async function readAt(offset: number, out: Uint8Array): Promise<Uint8Array> {
    const length = out.length;
    // A sequential read skips the seek, so the read is dispatched at once and overlaps whatever
    // the caller does meanwhile (a read-ahead hashing the previous chunk).
    if (positions.get(file) !== offset) {
      positions.delete(file);
      await file.seek(offset, Deno.SeekMode.Start);
    }
    let at = 0;
    try {
      while (at < length) {
        const n = await file.read(out.subarray(at));
        if (n === null || n === 0) {
          throw new Deno.errors.UnexpectedEof(`The file ended at ${offset + at} bytes, before ${size}`);
        }
        at += n;
      }
    } catch (err) {
      positions.delete(file);
      throw err;
    }
    positions.set(file, offset + length);
    return out;
  }
  return {
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(offset, length, size);
      const result = queue.then(() => readAt(offset, new Uint8Array(length)));
      queue = result.catch(() => undefined);
      return result;
    },
    readInto(offset: number, target: Uint8Array): Promise<Uint8Array> {
      checkRange(offset, target.length, size);
      const result = queue.then(() => readAt(offset, target));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

/**
 * The file position after the last read of each file, shared by every source over the same file
 * object (the handle must be read only through sources).
 */
const positions = new WeakMap<SeekableFile, number>();

function checkRange(offset: number, length: number, size: number): void {
  if (
    !(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0) ||
    offset + length > size
  ) {
    throw new RangeError(`Read of ${length} bytes at ${offset} is outside the source (${size} bytes)`);
  }
}
