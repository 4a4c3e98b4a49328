/**
 * SHA-256 digests. Small inputs go through Web Crypto (no start-up cost); streams and large
 * inputs through `node:crypto`, which is imported only when first needed so that `validate`
 * of a typical package does not pay for the Node compatibility layer.
 *
 * @module
 */

import { concatBytes } from "./bytes.ts";

/** Inputs at or below this size are hashed in one Web Crypto call. */
export const SMALL_DIGEST_BYTES = 4 * 1024 * 1024;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Lowercase hexadecimal form of bytes.
 *
 * @example
 * ```ts
 * import { toHex } from "./digest.ts";
 * console.assert(toHex(new Uint8Array([0, 171, 255])) === "00abff");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

/**
 * SHA-256 of bytes as 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./digest.ts";
 * const hex = await sha256Hex(new TextEncoder().encode("abc"));
 * console.assert(hex.startsWith("ba7816bf"));
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (bytes.length <= SMALL_DIGEST_BYTES) {
    const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
    return toHex(new Uint8Array(digest));
  }
  const hasher = await createSha256();
  hasher.update(bytes);
  return hasher.hex();
}

/** An incremental SHA-256. */
export interface Sha256 {
  /** Feeds bytes. */
  update(chunk: Uint8Array): void;
  /** Finishes and returns 64 lowercase hex digits. */
  hex(): string;
}

/**
 * A streaming SHA-256 (imports `node:crypto` on first use).
 *
 * @example
 * ```ts
 * import { createSha256 } from "./digest.ts";
 * const h = await createSha256();
 * h.update(new TextEncoder().encode("a"));
 * h.update(new TextEncoder().encode("bc"));
 * console.assert(h.hex().startsWith("ba7816bf"));
 * ```
 */
export async function createSha256(): Promise<Sha256> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  return {
    update(chunk: Uint8Array): void {
      hash.update(chunk);
    },
    hex(): string {
      return hash.digest("hex");
    },
  };
}

/**
 * A SHA-256 that buffers small inputs for Web Crypto and switches to a stream once they grow,
 * so callers can hash members of unknown size without paying start-up cost for small ones.
 */
export class AdaptiveSha256 {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #stream: Sha256 | null = null;

  /** Feeds bytes (the chunk must not be modified afterwards until {@link hex} resolves). */
  async update(chunk: Uint8Array): Promise<void> {
    if (this.#stream) {
      this.#stream.update(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered > SMALL_DIGEST_BYTES) {
      this.#stream = await createSha256();
      for (const c of this.#chunks) this.#stream.update(c);
      this.#chunks = [];
    }
  }

  /** Finishes and returns 64 lowercase hex digits. */
  async hex(): Promise<string> {
    if (this.#stream) return this.#stream.hex();
    return await sha256Hex(concatBytes(this.#chunks, this.#buffered));
  }
}
