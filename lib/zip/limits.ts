/**
 * Resource limits shared by both formats (spec/README.md "Limits", amod.md §7.3, anpkg.md §3.2
 * item 6): `--max-members`, `--max-total-bytes` and `--max-ratio`; `0` disables one.
 *
 * @module
 */

/** The three container limits. A value of 0 disables that limit. */
export interface ZipLimits {
  /** Most entries an archive may have (`--max-members`). */
  readonly maxMembers: number;
  /** Largest sum of declared uncompressed sizes (`--max-total-bytes`). */
  readonly maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio of a deflated entry of at least 1 MiB (`--max-ratio`). */
  readonly maxRatio: number;
}

/** `.anpkg` defaults: 10 000 members, 64 MiB, ratio 100. */
export const ANPKG_LIMITS: ZipLimits = Object.freeze({
  maxMembers: 10_000,
  maxTotalBytes: 64 * 1024 * 1024,
  maxRatio: 100,
});

/** `.amod` defaults: 100 000 members, 4 GiB, ratio 200. */
export const AMOD_LIMITS: ZipLimits = Object.freeze({
  maxMembers: 100_000,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxRatio: 200,
});

/** The ratio limit applies to entries of at least this many uncompressed bytes (1 MiB). */
export const RATIO_MIN_SIZE = 1024 * 1024;

/**
 * True when a deflated entry breaks the ratio limit: uncompressed size ≥ 1 MiB and
 * uncompressed/compressed above `maxRatio` (a compressed size of 0 counts as 1; `maxRatio` 0
 * disables the check). Readers and writers use this one test, so a writer never produces an
 * entry its reader refuses.
 *
 * @example
 * ```ts
 * import { exceedsRatio } from "./limits.ts";
 * console.assert(exceedsRatio(2 * 1024 * 1024, 2048, 200));
 * console.assert(!exceedsRatio(2 * 1024 * 1024, 2048, 0));
 * ```
 */
export function exceedsRatio(uncompressedSize: number, compressedSize: number, maxRatio: number): boolean {
  if (maxRatio <= 0 || uncompressedSize < RATIO_MIN_SIZE) return false;
  return uncompressedSize / Math.max(compressedSize, 1) > maxRatio;
}

const SUFFIX: Readonly<Record<string, number>> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/**
 * Parses a limit flag value: a non-negative decimal integer; for byte limits optionally followed
 * by `K`, `M` or `G` (binary multiples, either case). Returns `null` for anything else (a usage
 * error), including values above `Number.MAX_SAFE_INTEGER`.
 *
 * @example
 * ```ts
 * import { parseLimitValue } from "./limits.ts";
 * console.assert(parseLimitValue("1M", { bytes: true }) === 1048576);
 * console.assert(parseLimitValue("0", { bytes: false }) === 0);
 * console.assert(parseLimitValue("1M", { bytes: false }) === null);
 * console.assert(parseLimitValue("-1", { bytes: true }) === null);
 * ```
 */
export function parseLimitValue(text: string, options: { bytes: boolean }): number | null {
  const m = /^([0-9]+)([KMGkmg]?)$/.exec(text);
  if (m === null) return null;
  const digits = m[1]!;
  const suffix = m[2]!.toUpperCase();
  if (suffix !== "" && !options.bytes) return null;
  const value = Number(digits) * (suffix === "" ? 1 : SUFFIX[suffix]!);
  return Number.isSafeInteger(value) ? value : null;
}
