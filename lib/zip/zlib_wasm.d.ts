// Types for the zlib build that @zip.js/zip.js 2.24.0 ships as `dist/zip-module.wasm` (zlib 1.x
// compiled to WebAssembly with a small streaming wrapper). Only the exports we call are declared.
//
// `*_process(handle, in, inLength, out, outLength, flush)` runs one zlib call over the given
// buffers and returns `(status << 24) | produced`; `*_last_consumed(handle)` is the number of input
// bytes that call consumed. Status values are zlib's (0 Z_OK, 1 Z_STREAM_END, -3 Z_DATA_ERROR,
// -5 Z_BUF_ERROR, …).

/** The module's linear memory. */
export declare const memory: WebAssembly.Memory;
/** Allocates `size` bytes in the module's memory; returns 0 on failure. */
export declare function malloc(size: number): number;
/** Frees memory from {@link malloc}. */
export declare function free(pointer: number): void;
/** Allocates a deflate stream handle. */
export declare function deflate_new(): number;
/** Initialises a raw (headerless) deflate stream at the given level; returns a zlib status. */
export declare function deflate_init_raw(handle: number, level: number): number;
/** One deflate call; see the module comment. */
export declare function deflate_process(
  handle: number,
  input: number,
  inputLength: number,
  output: number,
  outputLength: number,
  flush: number,
): number;
/** Input bytes consumed by the last deflate call. */
export declare function deflate_last_consumed(handle: number): number;
/** Releases a deflate stream; returns a zlib status. */
export declare function deflate_end(handle: number): number;
/** Allocates an inflate stream handle. */
export declare function inflate_new(): number;
/** Initialises a raw (headerless) inflate stream; returns a zlib status. */
export declare function inflate_init_raw(handle: number): number;
/** One inflate call; see the module comment. */
export declare function inflate_process(
  handle: number,
  input: number,
  inputLength: number,
  output: number,
  outputLength: number,
  flush: number,
): number;
/** Input bytes consumed by the last inflate call. */
export declare function inflate_last_consumed(handle: number): number;
/** Releases an inflate stream; returns a zlib status. */
export declare function inflate_end(handle: number): number;
