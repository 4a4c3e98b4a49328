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

/** What a {@link HashThread} computes over one input. */
export interface ThreadDigests {
  /** SHA-256, 64 lowercase hex digits. */
  readonly sha256: string;
  /** CRC-32 (the zip polynomial), as an unsigned integer. */
  readonly crc32: number;
}

/** One input of a {@link HashThread} fed by a decoder; see {@link HashThread.input}. */
export interface ThreadInput {
  /** Decoder options (they fit `decodeEntry`'s and a snapshot handle's `read`). */
  readonly options: {
    readonly reuseBuffers: true;
    readonly lender: HashThread;
    readonly crc: () => Promise<number>;
  };
  /** The finished digests (once; later calls return the same). */
  digests(): Promise<ThreadDigests>;
}

/** Entries at least this large are worth hashing on a {@link HashThread}. */
export const THREAD_DIGEST_BYTES = 128 * 1024 * 1024;

/** Size of each buffer that carries bytes to the {@link HashThread}. */
export const HASH_THREAD_BUFFER_BYTES = 4 * 1024 * 1024;
const PIECE_BYTES = HASH_THREAD_BUFFER_BYTES;
/** Buffers in flight at most: bounds the memory the thread adds while absorbing jitter. */
const PIECES = 6;

/**
 * The hashing thread's program. It is given as source text (a Blob URL) rather than as a module
 * file, so it works the same from a checkout, from a URL and from a one-file bundle.
 */
const THREAD_SOURCE = `
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
let hash = createHash("sha256");
let crc = 0;
self.onmessage = (event) => {
  const m = event.data;
  if (m.buffer !== undefined) {
    const bytes = new Uint8Array(m.buffer, m.offset, m.length);
    hash.update(bytes);
    crc = crc32(bytes, crc) >>> 0;
    self.postMessage({ buffer: m.buffer }, [m.buffer]);
  } else {
    self.postMessage({ sha256: hash.digest("hex"), crc32: crc });
    hash = createHash("sha256");
    crc = 0;
  }
};
`;

/**
 * SHA-256 and CRC-32 of large inputs on a worker thread, so that the calling thread can decode
 * (read, inflate) the next bytes while the previous ones are hashed: on two cores a large deflated
 * member is then checked at close to the speed of inflating it alone. Bytes travel in a small
 * pool of buffers that are transferred to the thread and back, never cloned, so memory stays at
 * a few MiB however large the input. Inputs are hashed one after the other: {@link update} them,
 * then {@link hex} finishes one digest and starts the next. {@link close} ends the thread.
 *
 * @example
 * ```ts
 * import { HashThread } from "./digest.ts";
 * const thread = new HashThread();
 * try {
 *   await thread.update(new TextEncoder().encode("a"));
 *   await thread.update(new TextEncoder().encode("bc"));
 *   console.assert((await thread.hex()).startsWith("ba7816bf"));
 * } finally {
 *   thread.close();
 * }
 * ```
 */
export class HashThread {
  readonly #worker: Worker;
  readonly #free: ArrayBuffer[] = [];
  /** Buffers handed out by {@link borrow} and not yet fed or given back. */
  readonly #lent = new Set<ArrayBufferLike>();
  #made = 0;
  #waiting: { resolve: (b: ArrayBuffer) => void; reject: (e: unknown) => void } | null = null;
  #finishing: { resolve: (d: ThreadDigests) => void; reject: (e: unknown) => void } | null = null;
  #failure: Error | null = null;
  #closed = false;

  /** Starts the thread; it loads while the caller goes on. */
  constructor() {
    const url = URL.createObjectURL(new Blob([THREAD_SOURCE], { type: "text/javascript" }));
    try {
      this.#worker = new Worker(url, { type: "module" });
    } finally {
      URL.revokeObjectURL(url);
    }
    this.#worker.onmessage = (event: MessageEvent<{ buffer?: ArrayBuffer } & Partial<ThreadDigests>>) => {
      const { buffer, sha256, crc32 } = event.data;
      if (buffer !== undefined) this.#release(buffer);
      else if (sha256 !== undefined && crc32 !== undefined) {
        const finishing = this.#finishing;
        this.#finishing = null;
        finishing?.resolve({ sha256, crc32 });
      }
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(new Error(`The hashing thread failed: ${event.message}`));
    };
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#waiting?.reject(this.#failure);
    this.#finishing?.reject(this.#failure);
    this.#waiting = this.#finishing = null;
    this.close();
  }

  #check(): void {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new TypeError("The hashing thread is closed");
  }

  #release(buffer: ArrayBuffer): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    if (waiting) waiting.resolve(buffer);
    else this.#free.push(buffer);
  }

  async #take(): Promise<ArrayBuffer> {
    const free = this.#free.pop();
    if (free !== undefined) return free;
    if (this.#made < PIECES) {
      this.#made++;
      return new ArrayBuffer(PIECE_BYTES);
    }
    return await new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  /**
   * Lends a pooled buffer of {@link HASH_THREAD_BUFFER_BYTES}: a caller that fills it and feeds a
   * view of it to {@link update} saves a copy, because the buffer itself then travels to the
   * thread. A buffer that is not fed must be handed back with {@link giveBack}.
   */
  async borrow(): Promise<Uint8Array> {
    this.#check();
    const buffer = await this.#take();
    this.#lent.add(buffer);
    return new Uint8Array(buffer);
  }

  /** Takes back a borrowed buffer that was not fed (anything else is ignored). */
  giveBack(buffer: Uint8Array): void {
    if (this.#lent.delete(buffer.buffer) && !this.#closed) this.#release(buffer.buffer as ArrayBuffer);
  }

  /**
   * Feeds bytes. A view of a borrowed buffer is passed on as it is (the buffer is then the
   * thread's again); other chunks are copied, so they may be reused once the promise settles.
   */
  async update(chunk: Uint8Array): Promise<void> {
    this.#check();
    const lent = chunk.buffer;
    if (this.#lent.delete(lent)) {
      this.#worker.postMessage({ buffer: lent, offset: chunk.byteOffset, length: chunk.length }, [
        lent as ArrayBuffer,
      ]);
      return;
    }
    for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
      this.#check();
      const piece = chunk.subarray(at, at + PIECE_BYTES);
      const buffer = await this.#take();
      this.#check();
      new Uint8Array(buffer).set(piece);
      this.#worker.postMessage({ buffer, offset: 0, length: piece.length }, [buffer]);
    }
  }

  /**
   * Starts one input that a decoder feeds: its `options` let the decoder inflate straight into
   * this thread's buffers and leave the CRC-32 to the thread; `digests()` returns the finished
   * digests, whether or not the decoder asked for the CRC-32, and readies the thread for the next
   * input. Call `digests()` once decoding ended, also when it failed.
   */
  input(): ThreadInput {
    let finished: Promise<ThreadDigests> | null = null;
    const digests = (): Promise<ThreadDigests> => finished ??= this.finish();
    return {
      options: { reuseBuffers: true, lender: this, crc: async () => (await digests()).crc32 },
      digests,
    };
  }

  /** Finishes the current input: its digests. The thread is then ready for the next input. */
  async finish(): Promise<ThreadDigests> {
    this.#check();
    const done = new Promise<ThreadDigests>((resolve, reject) => (this.#finishing = { resolve, reject }));
    this.#worker.postMessage({});
    return await done;
  }

  /** Finishes the current input: its SHA-256 as 64 lowercase hex digits (see {@link finish}). */
  async hex(): Promise<string> {
    return (await this.finish()).sha256;
  }

  /** Ends the thread (idempotent); pending calls fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.terminate();
    const closed = new TypeError("The hashing thread is closed");
    this.#waiting?.reject(this.#failure ?? closed);
    this.#finishing?.reject(this.#failure ?? closed);
    this.#waiting = this.#finishing = null;
  }
}
