/**
 * Raw deflate and inflate over one pinned codec: the zlib build that `@zip.js/zip.js` 2.24.0 ships
 * as WebAssembly (`dist/zip-module.wasm`). Its output does not depend on the host or the Deno
 * version (amod.md §1.6), it is byte-identical to zlib's own level-6 output, and its inflater reports
 * exactly where a stream ends and whether it is malformed, which the decoder needs to tell
 * `zip-size-mismatch` from `zip-deflate-invalid`.
 *
 * The WebAssembly module is imported statically, and this has a consequence for callers: Deno 2.9
 * cannot load a WebAssembly module from an npm package through a dynamic `import()` ("Module
 * source can not be imported"). A dynamic import of any module that reaches this file (`decode.ts`,
 * `write.ts`) therefore fails unless this file was already loaded through static imports from the
 * entry point. Loading it costs about 4 ms of start-up; `read.ts`, `source.ts`, `limits.ts` and
 * `stored.ts` do not import it.
 *
 * Every call copies its input into the module's memory, runs one zlib step and copies the output
 * out, all synchronously; the two scratch buffers are therefore shared by all streams.
 *
 * @module
 */

// @ts-types="./zlib_wasm.d.ts"
import * as zlib from "npm:@zip.js/zip.js@2.24.0/dist/zip-module.wasm";
import { concatBytes } from "../bytes.ts";

/** Largest input handed to one zlib call. */
const IN_SIZE = 256 * 1024;
/** Largest output taken from one zlib call (the wrapper reports at most 2^24 − 1 bytes). */
const OUT_SIZE = 1024 * 1024;

/** Most bytes one {@link RawInflater.step} releases: the size a step's target buffer needs. */
export const INFLATE_STEP_MAX: number = OUT_SIZE;

const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_BUF_ERROR = -5;
const Z_NO_FLUSH = 0;
const Z_FINISH = 4;

let scratch: { input: number; output: number } | null = null;

function buffers(): { input: number; output: number } {
  if (scratch === null) {
    const input = zlib.malloc(IN_SIZE);
    const output = zlib.malloc(OUT_SIZE);
    if (input === 0 || output === 0) throw new RangeError("Cannot allocate codec buffers");
    scratch = { input, output };
  }
  return scratch;
}

function heap(): Uint8Array {
  // The memory can grow between calls, which replaces its buffer: never cache this view.
  return new Uint8Array(zlib.memory.buffer);
}

interface Step {
  status: number;
  produced: Uint8Array;
  consumed: number;
}

/**
 * Where a step's output goes: a fresh copy, a caller's buffer (at least {@link OUT_SIZE} bytes),
 * or a view of the codec's memory that is valid only until the next codec call.
 */
type Output = "copy" | "view" | Uint8Array;

function step(
  process: typeof zlib.inflate_process,
  lastConsumed: typeof zlib.inflate_last_consumed,
  handle: number,
  input: Uint8Array,
  flush: number,
  output: Output = "copy",
): Step {
  const { input: inPtr, output: outPtr } = buffers();
  const n = Math.min(input.length, IN_SIZE);
  if (n > 0) heap().set(input.subarray(0, n), inPtr);
  const result = process(handle, inPtr, n, outPtr, OUT_SIZE, flush);
  const status = result >> 24;
  const count = result & 0xffffff;
  let produced: Uint8Array = EMPTY;
  if (count > 0) {
    const view = heap().subarray(outPtr, outPtr + count);
    if (output === "view") produced = view;
    else if (output === "copy") produced = view.slice();
    else {
      output.set(view);
      produced = output.subarray(0, count);
    }
  }
  return { status, produced, consumed: lastConsumed(handle) };
}

const EMPTY = new Uint8Array(0);

/** The deflate level the toolkit writes (amod.md §1.6: an implementation constant). */
export const DEFLATE_LEVEL = 6;

/**
 * A streaming raw deflate (RFC 1951) encoder. Call {@link RawDeflater.push} for each input chunk,
 * then {@link RawDeflater.finish}; both return the compressed bytes produced so far. Always call
 * {@link RawDeflater.dispose} (it is idempotent; `finish` calls it).
 *
 * @example
 * ```ts
 * import { RawDeflater } from "./zlib.ts";
 * const d = new RawDeflater();
 * const parts = [...d.push(new TextEncoder().encode("hello hello")), ...d.finish()];
 * console.assert(parts.length > 0);
 * ```
 */
export class RawDeflater {
  #handle: number;

  /** Starts a stream at {@link DEFLATE_LEVEL} (or the given level). */
  constructor(level: number = DEFLATE_LEVEL) {
    this.#handle = zlib.deflate_new();
    if (this.#handle === 0) throw new RangeError("Cannot allocate a deflate stream");
    const status = zlib.deflate_init_raw(this.#handle, level);
    if (status !== Z_OK) {
      this.dispose();
      throw new RangeError(`Cannot start a deflate stream (status ${status})`);
    }
  }

  /** Compresses one chunk; returns the output it released (possibly none). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.pushTo(chunk, (view) => void out.push(view.slice()));
    return out;
  }

  /**
   * Compresses one chunk and hands each piece of output to `consume` as a view of the codec's
   * memory, valid only during the call (copy what you keep): a long stream then allocates nothing.
   */
  pushTo(chunk: Uint8Array, consume: (view: Uint8Array) => void): void {
    let rest = chunk;
    while (rest.length > 0) {
      const s = this.#run(rest, Z_NO_FLUSH);
      if (s.produced.length > 0) consume(s.produced);
      if (s.consumed === 0 && s.produced.length === 0) this.#stuck();
      rest = rest.subarray(s.consumed);
    }
  }

  /** Ends the stream; returns the remaining output and releases the stream. */
  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.finishTo((view) => void out.push(view.slice()));
    return out;
  }

  /** Ends the stream, handing the remaining output to `consume` as {@link pushTo} does. */
  finishTo(consume: (view: Uint8Array) => void): void {
    for (;;) {
      const s = this.#run(EMPTY, Z_FINISH);
      if (s.produced.length > 0) consume(s.produced);
      if (s.status === Z_STREAM_END) break;
      if (s.produced.length === 0) this.#stuck();
    }
    this.dispose();
  }

  /** Releases the stream's memory. */
  dispose(): void {
    if (this.#handle !== 0) {
      zlib.deflate_end(this.#handle);
      this.#handle = 0;
    }
  }

  #stuck(): never {
    this.dispose();
    throw new RangeError("Deflate made no progress");
  }

  #run(input: Uint8Array, flush: number): Step {
    if (this.#handle === 0) throw new TypeError("The deflate stream is closed");
    const s = step(zlib.deflate_process, zlib.deflate_last_consumed, this.#handle, input, flush, "view");
    if (s.status < 0 && s.status !== Z_BUF_ERROR) {
      this.dispose();
      throw new RangeError(`Deflate failed (status ${s.status})`);
    }
    return s;
  }
}

/**
 * Compresses a whole buffer with raw deflate at {@link DEFLATE_LEVEL}.
 *
 * @example
 * ```ts
 * import { deflateRaw } from "./zlib.ts";
 * console.assert(deflateRaw(new Uint8Array(0)).length === 2);
 * ```
 */
export function deflateRaw(data: Uint8Array, level: number = DEFLATE_LEVEL): Uint8Array {
  const d = new RawDeflater(level);
  const parts: Uint8Array[] = [];
  try {
    for (let i = 0; i < data.length; i += IN_SIZE) parts.push(...d.push(data.subarray(i, i + IN_SIZE)));
    parts.push(...d.finish());
  } finally {
    d.dispose();
  }
  return concatBytes(parts);
}

/** One step of a {@link RawInflater}. */
export interface InflateStep {
  /** Decoded bytes released by this step (a copy, or a view of the step's target; may be empty). */
  readonly output: Uint8Array;
  /** The final block has ended: any further input is not part of the stream. */
  readonly ended: boolean;
  /** The stream is malformed. */
  readonly invalid: boolean;
}

/**
 * A streaming raw inflate (RFC 1951) decoder that never trusts a declared size: give it input
 * with {@link RawInflater.setInput}, then call {@link RawInflater.step} until it returns no output
 * while {@link RawInflater.pendingInput} is 0. Each step releases at most 1 MiB, so a caller can
 * stop as soon as it has seen enough. Always call {@link RawInflater.dispose}.
 *
 * @example
 * ```ts
 * import { deflateRaw, RawInflater } from "./zlib.ts";
 * const inf = new RawInflater();
 * inf.setInput(deflateRaw(new TextEncoder().encode("abc")));
 * const s = inf.step();
 * inf.dispose();
 * console.assert(s.ended && new TextDecoder().decode(s.output) === "abc");
 * ```
 */
export class RawInflater {
  #handle: number;
  #input: Uint8Array = EMPTY;
  #ended = false;
  #invalid = false;

  /** Starts a stream. */
  constructor() {
    this.#handle = zlib.inflate_new();
    if (this.#handle === 0) throw new RangeError("Cannot allocate an inflate stream");
    const status = zlib.inflate_init_raw(this.#handle);
    if (status !== Z_OK) {
      this.dispose();
      throw new RangeError(`Cannot start an inflate stream (status ${status})`);
    }
  }

  /** Replaces the pending input (the previous input must have been consumed). */
  setInput(chunk: Uint8Array): void {
    this.#input = chunk;
  }

  /** Input bytes given but not yet consumed; after the stream ended, these are trailing bytes. */
  get pendingInput(): number {
    return this.#input.length;
  }

  /** Whether the final block has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Runs one decoding step over the pending input. With `into` (at least
   * {@link INFLATE_STEP_MAX} bytes), the output is written there and returned as a view of it
   * instead of a fresh copy, so a long stream can be decoded without allocating per step.
   */
  step(into: Uint8Array | null = null): InflateStep {
    if (this.#ended || this.#invalid || this.#handle === 0) {
      return { output: EMPTY, ended: this.#ended, invalid: this.#invalid };
    }
    if (into !== null && into.length < OUT_SIZE) {
      throw new RangeError(`An inflate step needs a target of at least ${OUT_SIZE} bytes`);
    }
    const s = step(
      zlib.inflate_process,
      zlib.inflate_last_consumed,
      this.#handle,
      this.#input,
      Z_NO_FLUSH,
      into ?? "copy",
    );
    this.#input = this.#input.subarray(s.consumed);
    if (s.status === Z_STREAM_END) this.#ended = true;
    else if (s.status < 0 && s.status !== Z_BUF_ERROR) this.#invalid = true;
    else if (s.consumed === 0 && s.produced.length === 0 && this.#input.length > 0) {
      // No progress although input is waiting: only a broken stream does that; never spin.
      this.#invalid = true;
    }
    return { output: s.produced, ended: this.#ended, invalid: this.#invalid };
  }

  /** Releases the stream's memory (idempotent). */
  dispose(): void {
    if (this.#handle !== 0) {
      zlib.inflate_end(this.#handle);
      this.#handle = 0;
    }
  }
}
