/**
 * Strict UTF-8 decoding of member and file contents (§1.2).
 *
 * @module
 */

/** Options for {@link decodeUtf8}. */
export interface DecodeUtf8Options {
  /**
   * `true` (YAML): a leading byte-order mark is tolerated and removed. `false` (JSON): it is kept
   * as U+FEFF at the start of the text, where the JSON reader rejects it (`json-invalid`, not
   * `encoding-invalid`).
   */
  allowBom: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 strictly: overlong forms, encoded surrogates, truncated sequences and other
 * invalid bytes give null, never replacement characters.
 *
 * @example
 * ```ts
 * import { decodeUtf8 } from "./utf8.ts";
 * const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
 * console.assert(decodeUtf8(bom, { allowBom: true }) === "a");
 * console.assert(decodeUtf8(bom, { allowBom: false }) === "\uFEFFa");
 * console.assert(decodeUtf8(new Uint8Array([0xff]), { allowBom: true }) === null);
 * ```
 */
export function decodeUtf8(bytes: Uint8Array, options: DecodeUtf8Options): string | null {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return null;
  }
  return options.allowBom && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
