/**
 * The secret-candidate scanner (amod.md §3): a streaming line scanner over the exact bytes being
 * packed. Files with a NUL byte in their first 8192 bytes are skipped as binary; every other file
 * is split at LF, each line is decoded as Latin-1 and tested against the seven patterns, and each
 * pattern yields at most one finding per line. Lines longer than 1 MiB are tested in overlapping
 * 1 MiB windows, so memory stays bounded by the window whatever the file or line size.
 *
 * Matched text is never kept: matching uses `RegExp.prototype.test`, findings carry only the
 * pattern id and the line number, and the engine's legacy "last match" state is cleared after
 * every scanned block.
 *
 * @module
 */

/** Pattern ids, in the order patterns are tried and findings are listed (amod.md §3.3). */
export type PatternId =
  | "private-key"
  | "aws-access-key-id"
  | "github-token"
  | "sk-token"
  | "api-key"
  | "token"
  | "secret";

/** One secret-candidate pattern. */
export interface SecretPattern {
  /** Pattern id, as written in findings and `REDACTION.md`. */
  readonly id: PatternId;
  /** A hard finding blocks create unless `--allow-findings` is given (amod.md §3.5). */
  readonly hard: boolean;
  /** The JavaScript form of amod.md §3.3, applied to one Latin-1-decoded line. */
  readonly regex: RegExp;
}

/** The seven patterns of amod.md §3.3, in order, exactly in their JavaScript forms. */
export const SECRET_PATTERNS: readonly SecretPattern[] = Object.freeze(
  [
    { id: "private-key", hard: true, regex: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/ },
    { id: "aws-access-key-id", hard: false, regex: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { id: "github-token", hard: false, regex: /\bgh[pousr]_[A-Za-z0-9]{20,}\b/ },
    { id: "sk-token", hard: false, regex: /\bsk-[A-Za-z0-9_-]{20,}\b/ },
    { id: "api-key", hard: false, regex: /api[_-]?key["']?[\t\n\f\r ]*[:=]/i },
    {
      id: "token",
      hard: false,
      regex: /(?:auth|access|refresh|bearer|session|api)[_-]?token["']?[\t\n\f\r ]*[:=]/i,
    },
    { id: "secret", hard: false, regex: /secret["']?[\t\n\f\r ]*[:=]/i },
  ] as const satisfies readonly SecretPattern[],
);

/**
 * Forms the scanner runs, on a block of several whole lines or on one window of a long line; they
 * find exactly the lines the forms above match (the tests compare with the forms above).
 * A line never contains LF, so dropping `\n` from the white-space class changes nothing for a
 * single line and keeps every match inside one line of the block. `\b` is unaffected: LF is a
 * non-word character, like the edge of a line. The `token` prefix alternation moves into a
 * lookbehind, which matches the same lines (the prefix cannot cross LF either) but lets the engine
 * search for the literal `token` first — about three times faster on ordinary text.
 */
const BLOCK_REGEXES: readonly RegExp[] = SECRET_PATTERNS.map((p) => {
  let source = p.regex.source.replaceAll("[\\t\\n\\f\\r ]", "[\\t\\f\\r ]");
  if (p.id === "token") source = source.replace(/^\(\?:(.*?)\)\[_-\]\?token/, "(?<=(?:$1)[_-]?)token");
  return new RegExp(source, `${p.regex.flags}g`);
});

/** How many leading bytes decide whether a file is binary (amod.md §3.2). */
export const BINARY_PROBE_BYTES = 8192;

/** Size of a long-line window, and the longest line tested in one piece. */
export const WINDOW_BYTES = 1_048_576;

/** Distance between the starts of consecutive windows (4096 bytes of overlap). */
export const WINDOW_STEP = 1_044_480;

/** Most bytes of whole lines decoded and searched at once. */
const BLOCK_BYTES = WINDOW_BYTES;

/** Small chunks are gathered up to this size first: searching few large blocks is faster. */
const STAGE_BYTES = 1024 * 1024;

const LF = 0x0a;
const ALL_HIT = (1 << SECRET_PATTERNS.length) - 1;
const CLEAR_LAST_MATCH = /(?:)/;

/** One finding within a file; the caller adds the file's path. */
export interface LineFinding {
  /** Id of the pattern that matched. */
  readonly pattern: PatternId;
  /** 1-based line number. */
  readonly line: number;
  /** True for `private-key`, the one hard pattern. */
  readonly hard: boolean;
}

/** A finding with the rel path of its file (amod.md §3.4). */
export interface Finding extends LineFinding {
  /** Rel path of the scanned file, e.g. `.agentmod/claude/notes.md`. */
  readonly path: string;
}

/** The outcome of scanning one file. */
export interface ScanResult {
  /** True when the file was skipped as binary; it then has no findings. */
  readonly binary: boolean;
  /** Findings ordered by pattern order, then line number (amod.md §3.4). */
  readonly findings: readonly LineFinding[];
}

/** A streaming scanner for one file's bytes. */
export interface SecretScanner {
  /** Feeds the next bytes of the file; chunks may split lines anywhere. */
  push(chunk: Uint8Array): void;
  /** Ends the file and returns the result; the scanner cannot be used afterwards. */
  finish(): ScanResult;
}

// Latin-1 decoding. The WHATWG "latin1" label decodes as windows-1252, which differs from
// ISO-8859-1 only for bytes 0x80–0x9F: they become other characters above U+007F. Every pattern
// matches ASCII characters only (without the `u` flag, `i` never folds a non-ASCII character to
// an ASCII one) and `\b` treats both variants as non-word characters, so every match result is
// the same as with ISO-8859-1 — and the native decoder is several times faster than widening
// bytes by hand. The tests compare against a literal ISO-8859-1 decode.
const latin1Decoder = new TextDecoder("latin1");

function latin1(bytes: Uint8Array): string {
  return latin1Decoder.decode(bytes);
}

/** Reused buffer of LF positions within a block. */
let lfScratch = new Int32Array(4096);

class Scanner implements SecretScanner {
  #probe: Uint8Array | null = new Uint8Array(BINARY_PROBE_BYTES);
  #probeLength = 0;
  #binary = false;
  #finished = false;
  /** Number of the line whose bytes come next (or sit in the carry). */
  #line = 1;
  /** Unscanned bytes of the current line, from the start of its current window. */
  #carry: Uint8Array = new Uint8Array(0);
  #carryLength = 0;
  /** Patterns already matched in earlier windows of the current line (bit i = pattern i). */
  #lineHits = 0;
  readonly #hits: number[][] = SECRET_PATTERNS.map(() => []);
  /** Gathered small chunks, not yet scanned. */
  #stage: Uint8Array = new Uint8Array(0);
  #stageLength = 0;

  push(chunk: Uint8Array): void {
    if (this.#finished) throw new Error("Scanner already finished");
    if (this.#binary || chunk.length === 0) return;
    const probe = this.#probe;
    if (probe === null) {
      this.#accept(chunk);
      return;
    }
    const n = Math.min(BINARY_PROBE_BYTES - this.#probeLength, chunk.length);
    probe.set(chunk.subarray(0, n), this.#probeLength);
    this.#probeLength += n;
    if (this.#probeLength < BINARY_PROBE_BYTES) return;
    this.#decide(false);
    if (!this.#binary && n < chunk.length) this.#accept(chunk.subarray(n));
  }

  finish(): ScanResult {
    if (this.#finished) throw new Error("Scanner already finished");
    if (this.#probe !== null) this.#decide(true);
    this.#finished = true;
    if (this.#binary) return { binary: true, findings: [] };
    this.#flushStage();
    this.#stage = new Uint8Array(0);
    // A final line without LF is a line; an empty remainder after the last LF is not.
    if (this.#carryLength > 0) this.#endLine();
    const findings: LineFinding[] = [];
    SECRET_PATTERNS.forEach((p, i) => {
      for (const line of this.#hits[i] as number[]) findings.push({ pattern: p.id, line, hard: p.hard });
    });
    this.#carry = new Uint8Array(0);
    return { binary: false, findings };
  }

  /**
   * Decides binary or text from the probe, then takes the probe's bytes as text. At the end of a
   * file shorter than the probe they are scanned at once (most files are), with no staging.
   */
  #decide(atEnd: boolean): void {
    const head = (this.#probe as Uint8Array).subarray(0, this.#probeLength);
    this.#probe = null;
    if (head.includes(0)) {
      this.#binary = true;
      return;
    }
    if (atEnd) this.#feed(head);
    else this.#accept(head);
  }

  /** Takes text bytes: small chunks are copied into the stage, large ones scanned directly. */
  #accept(c: Uint8Array): void {
    if (c.length >= STAGE_BYTES) {
      this.#flushStage();
      this.#feed(c);
      return;
    }
    if (this.#stageLength + c.length > STAGE_BYTES) this.#flushStage();
    this.#stage = reserve(this.#stage, this.#stageLength, this.#stageLength + c.length, STAGE_BYTES);
    this.#stage.set(c, this.#stageLength);
    this.#stageLength += c.length;
  }

  #flushStage(): void {
    if (this.#stageLength === 0) return;
    const n = this.#stageLength;
    this.#stageLength = 0;
    this.#feed(this.#stage.subarray(0, n));
  }

  #feed(c: Uint8Array): void {
    let pos = 0;
    // A non-empty carry means a line is in progress (after a slide it still holds the overlap).
    if (this.#carryLength > 0) {
      const i = c.indexOf(LF);
      if (i < 0) {
        this.#append(c);
        return;
      }
      this.#append(c.subarray(0, i));
      this.#endLine();
      pos = i + 1;
    }
    const last = c.lastIndexOf(LF);
    if (last >= pos) {
      this.#wholeLines(c, pos, last);
      pos = last + 1;
    }
    if (pos < c.length) this.#append(c.subarray(pos));
  }

  /** Scans `c[start..end]`, a run of whole lines where `c[end]` is LF. */
  #wholeLines(c: Uint8Array, start: number, end: number): void {
    while (start <= end) {
      const k = c.lastIndexOf(LF, Math.min(end, start + BLOCK_BYTES));
      if (k >= start) {
        this.#block(c.subarray(start, k));
        start = k + 1;
      } else {
        // No LF within BLOCK_BYTES: the line at `start` is long and is scanned in windows.
        const e = c.indexOf(LF, start + BLOCK_BYTES + 1);
        this.#longLine(c.subarray(start, e));
        start = e + 1;
      }
    }
  }

  /** Scans whole lines separated by LF (the last one's LF is not included). */
  #block(bytes: Uint8Array): void {
    const first = this.#line;
    if (bytes.length === 0) {
      this.#line++;
      return;
    }
    const text = latin1(bytes);
    // LF positions, found in the decoded text (String#indexOf is the fastest search available).
    let lfCount = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
      if (lfCount === lfScratch.length) {
        const grown = new Int32Array(lfScratch.length * 2);
        grown.set(lfScratch);
        lfScratch = grown;
      }
      lfScratch[lfCount++] = i;
    }
    this.#line += lfCount + 1;
    const lfs = lfScratch.subarray(0, lfCount);
    let matched = false;
    BLOCK_REGEXES.forEach((re, p) => {
      const hits = this.#hits[p] as number[];
      re.lastIndex = 0;
      while (re.test(text)) {
        matched = true;
        // Matches never contain LF; the match's last character is at lastIndex - 1.
        const idx = upperBound(lfs, re.lastIndex - 1);
        hits.push(first + idx);
        if (idx >= lfs.length) break;
        re.lastIndex = (lfs[idx] as number) + 1;
      }
      re.lastIndex = 0;
    });
    if (matched) CLEAR_LAST_MATCH.test("");
  }

  /** Scans one complete line longer than a window, held in memory by the caller. */
  #longLine(bytes: Uint8Array): void {
    for (let s = 0;; s += WINDOW_STEP) {
      this.#window(bytes.subarray(s, s + WINDOW_BYTES));
      if (s + WINDOW_BYTES >= bytes.length || this.#lineHits === ALL_HIT) break;
    }
    this.#recordLine();
  }

  /** Tests one window of the current line with the patterns it has not matched yet. */
  #window(bytes: Uint8Array): void {
    if (this.#lineHits === ALL_HIT || bytes.length === 0) return;
    const text = latin1(bytes);
    let matched = false;
    BLOCK_REGEXES.forEach((re, i) => {
      const bit = 1 << i;
      if ((this.#lineHits & bit) !== 0) return;
      re.lastIndex = 0;
      if (re.test(text)) {
        this.#lineHits |= bit;
        matched = true;
      }
      re.lastIndex = 0;
    });
    if (matched) CLEAR_LAST_MATCH.test("");
  }

  /** Adds bytes of the current line (no LF) to the carry, testing and sliding full windows. */
  #append(seg: Uint8Array): void {
    let off = 0;
    while (off < seg.length) {
      if (this.#carryLength === WINDOW_BYTES) {
        this.#window(this.#carry);
        this.#carry.copyWithin(0, WINDOW_STEP, WINDOW_BYTES);
        this.#carryLength = WINDOW_BYTES - WINDOW_STEP;
      }
      const n = Math.min(WINDOW_BYTES - this.#carryLength, seg.length - off);
      this.#carry = reserve(this.#carry, this.#carryLength, this.#carryLength + n, WINDOW_BYTES);
      this.#carry.set(seg.subarray(off, off + n), this.#carryLength);
      this.#carryLength += n;
      off += n;
    }
  }

  /** Ends the line held in the carry: tests its last window and records its findings. */
  #endLine(): void {
    this.#window(this.#carry.subarray(0, this.#carryLength));
    this.#carryLength = 0;
    this.#recordLine();
  }

  #recordLine(): void {
    if (this.#lineHits !== 0) {
      for (let i = 0; i < SECRET_PATTERNS.length; i++) {
        if ((this.#lineHits & (1 << i)) !== 0) (this.#hits[i] as number[]).push(this.#line);
      }
      this.#lineHits = 0;
    }
    this.#line++;
  }
}

/**
 * A buffer of at least `size` bytes holding the first `used` bytes of `buf`: `buf` itself when it
 * is large enough, otherwise a copy with doubled capacity (at least 4 KiB, at most `max`), so
 * small files allocate little and large ones reallocate rarely.
 */
function reserve(buf: Uint8Array, used: number, size: number, max: number): Uint8Array {
  if (size <= buf.length) return buf;
  let cap = Math.max(buf.length, 4096);
  while (cap < size) cap *= 2;
  const next = new Uint8Array(Math.min(cap, max));
  next.set(buf.subarray(0, used));
  return next;
}

/** Index of the first element of the sorted `xs` greater than `x` (= count of elements ≤ `x`). */
function upperBound(xs: Int32Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Creates a scanner for one file.
 *
 * @example
 * ```ts
 * import { createScanner } from "./scan.ts";
 * const s = createScanner();
 * s.push(new TextEncoder().encode("# notes\napi_ke"));
 * s.push(new TextEncoder().encode("y = \"x\"\n"));
 * const { binary, findings } = s.finish();
 * console.assert(!binary && findings.length === 1 && findings[0]?.pattern === "api-key" && findings[0]?.line === 2);
 * ```
 */
export function createScanner(): SecretScanner {
  return new Scanner();
}

/**
 * Scans a whole file held in memory.
 *
 * @example
 * ```ts
 * import { scanBytes } from "./scan.ts";
 * console.assert(scanBytes(new Uint8Array([0x41, 0x00])).binary);
 * ```
 */
export function scanBytes(bytes: Uint8Array): ScanResult {
  const s = createScanner();
  s.push(bytes);
  return s.finish();
}
