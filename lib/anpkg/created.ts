/**
 * `exported_at`: derived from `workbench.json` `meta.created` with the explicit grammar of
 * anpkg.md §2.7.1 (the behaviour of CPython 3.11's `datetime.fromisoformat`, minus its oddities).
 *
 * @module
 */

import { pyTrim } from "../text.ts";

/** The fallback instant. */
export const EPOCH_STAMP = "1970-01-01T00:00:00Z";

/** Result of {@link exportedAt}: the stamp and whether `created` was recognized. */
export interface ExportedAt {
  readonly stamp: string;
  /** False when a non-empty value did not parse or fell outside years 0001–9999. */
  readonly recognized: boolean;
}

/**
 * Derives `exported_at` from a `meta.created` string (`undefined` when absent).
 *
 * @example
 * ```ts
 * import { exportedAt } from "./created.ts";
 * console.assert(exportedAt("2026-04-16T21:01:02.75+02:00").stamp === "2026-04-16T19:01:02Z");
 * console.assert(exportedAt("yesterday").recognized === false);
 * ```
 */
export function exportedAt(created: string | undefined): ExportedAt {
  if (created === undefined) return { stamp: EPOCH_STAMP, recognized: true };
  let text = pyTrim(created);
  if (text === "") return { stamp: EPOCH_STAMP, recognized: true };
  if (text.endsWith("Z")) text = text.slice(0, -1) + "+00:00";
  const seconds = parseIsoInstant(text);
  if (seconds === null) return { stamp: EPOCH_STAMP, recognized: false };
  const stamp = formatUtc(seconds);
  return stamp === null ? { stamp: EPOCH_STAMP, recognized: false } : { stamp, recognized: true };
}

const DIGITS = /^[0-9]+$/;

function num(s: string): number | null {
  return DIGITS.test(s) ? Number(s) : null;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (any year). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The proleptic Gregorian date of a day number (inverse of {@link daysFromCivil}). */
export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
}

/** ISO weekday (Monday 1 … Sunday 7) of a day number. */
function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (4)
}

function isoWeeksInYear(y: number): number {
  const jan1 = isoWeekday(daysFromCivil(y, 1, 1));
  return jan1 === 4 || (isLeap(y) && jan1 === 3) ? 53 : 52;
}

/** Length of the date part, following CPython 3.11's separator search. */
function dateLength(s: string): number | null {
  if (s.length < 7) return null;
  if (s.length === 7) return 7;
  if (s[4] === "-") {
    if (s[5] === "W") {
      if (s.length > 8 && s[8] === "-") {
        if (s.length === 9) return null;
        if (s.length > 10 && /[0-9]/.test(s[10] as string)) return 8;
        return 10;
      }
      return 8;
    }
    return 10;
  }
  if (s[4] === "W") {
    let i = 7;
    while (i < s.length && /[0-9]/.test(s[i] as string)) i++;
    if (i < 9) return i;
    return i % 2 === 0 ? 7 : 8;
  }
  return 8;
}

/** Day number of a date string in one of the four forms, or null. */
function parseDate(s: string): number | null {
  let m: RegExpExecArray | null;
  if (
    (m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s)) || (m = /^([0-9]{4})([0-9]{2})([0-9]{2})$/.exec(s))
  ) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
    return daysFromCivil(y, mo, d);
  }
  if (
    (m = /^([0-9]{4})-W([0-9]{2})(?:-([0-9]))?$/.exec(s)) || (m = /^([0-9]{4})W([0-9]{2})([0-9])?$/.exec(s))
  ) {
    const y = Number(m[1]);
    const w = Number(m[2]);
    const d = m[3] === undefined ? 1 : Number(m[3]);
    if (y < 1 || w < 1 || w > isoWeeksInYear(y) || d < 1 || d > 7) return null;
    const jan4 = daysFromCivil(y, 1, 4);
    const monday = jan4 - (isoWeekday(jan4) - 1);
    return monday + (w - 1) * 7 + (d - 1);
  }
  return null;
}

/** Seconds of a clock string `HH[:MM[:SS[frac]]]` or `HHMM[SS[frac]]` (fraction dropped). */
function parseClock(s: string, allowFraction: boolean): number | null {
  const frac = allowFraction ? "(?:[.,][0-9]+)?" : "";
  const m = new RegExp(`^([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})${frac})?)?$`).exec(s) ??
    new RegExp(`^([0-9]{2})([0-9]{2})(?:([0-9]{2})${frac})?$`).exec(s);
  if (!m) return null;
  const h = num(m[1] as string) as number;
  const mi = m[2] === undefined ? 0 : num(m[2]) as number;
  const se = m[3] === undefined ? 0 : num(m[3]) as number;
  if (h > 23 || mi > 59 || se > 59) return null;
  return h * 3600 + mi * 60 + se;
}

/** Seconds since the epoch (UTC) of an ISO instant per §2.7.1, or null when it does not match. */
export function parseIsoInstant(s: string): number | null {
  const len = dateLength(s);
  if (len === null) return null;
  const day = parseDate(s.slice(0, len));
  if (day === null) return null;
  if (s.length === len) return day * 86400;
  const rest = s.slice(len + 1); // the separator is any single character
  if (rest === "") return null;
  const signAt = rest.search(/[+-]/);
  const clock = parseClock(signAt < 0 ? rest : rest.slice(0, signAt), true);
  if (clock === null) return null;
  let offset = 0;
  if (signAt >= 0) {
    const off = parseClock(rest.slice(signAt + 1), false);
    if (off === null) return null;
    offset = rest[signAt] === "-" ? -off : off;
  }
  return day * 86400 + clock - offset;
}

/** `YYYY-MM-DDTHH:MM:SSZ` for years 0001–9999, else null. */
export function formatUtc(seconds: number): string | null {
  const days = Math.floor(seconds / 86400);
  const sod = seconds - days * 86400;
  const [y, m, d] = civilFromDays(days);
  if (y < 1 || y > 9999) return null;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(Math.floor(sod / 3600))}:${p(Math.floor(sod / 60) % 60)}:${
    p(sod % 60)
  }Z`;
}
