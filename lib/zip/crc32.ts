/**
 * CRC-32 (the zlib/PKZIP polynomial 0xEDB88320, reflected). A table-driven slicing-by-8
 * implementation serves small data with no start-up cost; for large members
 * {@link nativeCrc32} loads `node:zlib`'s implementation on first use (it costs ~15 ms to load
 * the Node layer, so it is never imported at module top level).
 *
 * @module
 */

/** A CRC-32 update function: continues `crc` (the CRC of the preceding bytes, 0 at the start). */
export type Crc32Function = (data: Uint8Array, crc: number) => number;

const TABLES: Int32Array = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/**
 * Computes or continues a CRC-32 in JavaScript.
 *
 * @example
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * const data = new TextEncoder().encode("123456789");
 * console.assert(crc32(data) === 0xcbf43926);
 * console.assert(crc32(data.subarray(4), crc32(data.subarray(0, 4))) === 0xcbf43926);
 * ```
 */
export function crc32(data: Uint8Array, crc: number = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = 0;
  const n = data.length;
  const end8 = n - (n & 7);
  while (i < end8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ c;
    c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^ t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
    i += 8;
  }
  while (i < n) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Data at least this long is worth loading the native implementation for. */
export const NATIVE_CRC32_THRESHOLD = 8 * 1024 * 1024;

let native: Promise<Crc32Function> | null = null;

/**
 * Loads `node:zlib`'s CRC-32 (several GB/s) on first call; falls back to {@link crc32} when the
 * runtime lacks it.
 *
 * @example
 * ```ts
 * import { nativeCrc32 } from "./crc32.ts";
 * const f = await nativeCrc32();
 * console.assert(f(new TextEncoder().encode("123456789"), 0) === 0xcbf43926);
 * ```
 */
export function nativeCrc32(): Promise<Crc32Function> {
  native ??= import("node:zlib").then(
    (z): Crc32Function => {
      const f = (z as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
      return typeof f === "function" ? (data, crc) => f(data, crc) >>> 0 : crc32;
    },
    (): Crc32Function => crc32,
  );
  return native;
}
