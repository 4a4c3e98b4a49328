/**
 * Byte-array helpers shared by the container, digest and document code.
 *
 * @module
 */

/**
 * Concatenates chunks into one new array (`total`, when known, saves a pass over the lengths).
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * const all = concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * console.assert(all.length === 3 && all[2] === 3);
 * ```
 */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  const out = new Uint8Array(total ?? chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
