/**
 * The snapshot clock (amod.md §1.16): `SOURCE_DATE_EPOCH` parsing, the range both zip timestamp
 * forms can hold, and the UTC stamp formats. All functions take whole Unix seconds. The MS-DOS
 * time and date fields themselves are written by `lib/zip/write.ts` (`dosDateTime`).
 *
 * @module
 */

/** Earliest instant a snapshot can carry: 1980-01-01T00:00:00Z (the MS-DOS date epoch). */
export const SNAPSHOT_EPOCH_MIN = 315_532_800;

/** Latest instant a snapshot can carry: the largest unsigned 32-bit Unix time (2106-02-07). */
export const SNAPSHOT_EPOCH_MAX = 4_294_967_295;

/**
 * Parses `SOURCE_DATE_EPOCH` (amod.md §1.16): decimal digits only, within
 * {@link SNAPSHOT_EPOCH_MIN}–{@link SNAPSHOT_EPOCH_MAX}. Returns `null` for anything else, which
 * the CLI turns into a usage error.
 *
 * @example
 * ```ts
 * import { parseSourceDateEpoch } from "./clock.ts";
 * console.assert(parseSourceDateEpoch("1781181045") === 1781181045);
 * console.assert(parseSourceDateEpoch("100") === null);
 * console.assert(parseSourceDateEpoch(" 1781181045") === null);
 * ```
 */
export function parseSourceDateEpoch(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const value = Number(text);
  return isSnapshotEpoch(value) ? value : null;
}

/**
 * True when `seconds` is a whole number both timestamp forms of amod.md §1.5 can hold.
 *
 * @example
 * ```ts
 * import { isSnapshotEpoch } from "./clock.ts";
 * console.assert(isSnapshotEpoch(315532800) && !isSnapshotEpoch(315532799));
 * ```
 */
export function isSnapshotEpoch(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= SNAPSHOT_EPOCH_MIN && seconds <= SNAPSHOT_EPOCH_MAX;
}

/**
 * Whole Unix seconds of a date, truncated (not rounded) as amod.md §1.16 requires.
 *
 * @example
 * ```ts
 * import { epochSeconds } from "./clock.ts";
 * console.assert(epochSeconds(new Date(1781181045999)) === 1781181045);
 * ```
 */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The UTC calendar fields of an instant. */
export interface UtcFields {
  /** Four-digit year. */
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  /** 1–31. */
  readonly day: number;
  /** 0–23. */
  readonly hour: number;
  /** 0–59. */
  readonly minute: number;
  /** 0–59. */
  readonly second: number;
}

/**
 * UTC calendar fields of whole Unix seconds.
 *
 * @example
 * ```ts
 * import { utcFields } from "./clock.ts";
 * const f = utcFields(1781181045);
 * console.assert(f.year === 2026 && f.month === 6 && f.day === 11 && f.second === 45);
 * ```
 */
export function utcFields(seconds: number): UtcFields {
  const d = new Date(wholeSeconds(seconds) * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ` in UTC: the manifest's `created_at` (amod.md §1.10).
 *
 * @example
 * ```ts
 * import { formatIsoSeconds } from "./clock.ts";
 * console.assert(formatIsoSeconds(1781181045) === "2026-06-11T12:30:45Z");
 * ```
 */
export function formatIsoSeconds(seconds: number): string {
  const f = utcFields(seconds);
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}Z`;
}

/**
 * `YYYYMMDD-HHMMSS` in UTC: the stamp in default snapshot and backup names (amod.md §1.16, §6.5).
 *
 * @example
 * ```ts
 * import { formatCompactStamp } from "./clock.ts";
 * console.assert(formatCompactStamp(1781181045) === "20260611-123045");
 * ```
 */
export function formatCompactStamp(seconds: number): string {
  const f = utcFields(seconds);
  return `${pad(f.year, 4)}${pad(f.month)}${pad(f.day)}-${pad(f.hour)}${pad(f.minute)}${pad(f.second)}`;
}

function wholeSeconds(seconds: number): number {
  if (!Number.isFinite(seconds)) throw new RangeError(`Instant ${seconds} is not a finite number`);
  return Math.floor(seconds);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}
