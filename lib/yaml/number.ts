/**
 * Number text: the reference's float formatting (Python `repr`) and its integer and float
 * conversions (`int()`, `float()`), which the YAML 1.1 constructors apply to scalar text.
 *
 * @module
 */

/**
 * Formats a float the way the reference emitter does (§2.13): `.nan`, `.inf`, `-.inf`, or the
 * shortest round-trip digits in fixed notation when −4 < p ≤ 16, else `d.ddde±XX`; an exponent
 * form without a point gets `.0` inserted.
 *
 * @example
 * ```ts
 * import { formatFloat } from "./number.ts";
 * console.assert(formatFloat(25) === "25.0" && formatFloat(1e16) === "1.0e+16");
 * ```
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  const text = pythonFloatRepr(x);
  if (!text.includes(".") && text.includes("e")) return text.replace("e", ".0e");
  return text;
}

/** Python's `repr(float)` for a finite value (lowercase exponent). */
function pythonFloatRepr(x: number): string {
  const negative = x < 0 || Object.is(x, -0);
  const { digits, point } = shortestDigits(Math.abs(x));
  const n = digits.length;
  let body: string;
  if (point > -4 && point <= 16) {
    if (point <= 0) body = "0." + "0".repeat(-point) + digits;
    else if (point >= n) body = digits + "0".repeat(point - n) + ".0";
    else body = digits.slice(0, point) + "." + digits.slice(point);
  } else {
    const exponent = point - 1;
    const magnitude = String(Math.abs(exponent)).padStart(2, "0");
    body = digits[0] + (n > 1 ? "." + digits.slice(1) : "") + "e" + (exponent < 0 ? "-" : "+") + magnitude;
  }
  return negative ? "-" + body : body;
}

/**
 * The shortest digits that round-trip (JavaScript's `Number#toString` picks the same digits as
 * Python's `repr`) and the point position p, so that value = 0.d₁…dₙ × 10^p.
 */
function shortestDigits(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: "0", point: 1 };
  const text = String(x);
  const e = text.indexOf("e");
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fracPart = dot < 0 ? "" : mantissa.slice(dot + 1);
  let digits = intPart + fracPart;
  let point = intPart.length + exponent;
  const lead = digits.length - digits.replace(/^0+/, "").length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, "");
  return { digits: digits === "" ? "0" : digits, point };
}

/** Python's `str.isspace()` set, which is also the spec's whitespace set (§0). */
export function isPythonSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 ||
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000;
}

const DECIMAL_DIGIT = /\p{Nd}/u;

/** The value of a Unicode decimal digit (its position in its run of ten), or −1. */
function decimalDigitValue(cp: number): number {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  if (cp < 0x80 || !DECIMAL_DIGIT.test(String.fromCodePoint(cp))) return -1;
  // Decimal digits come in complete, contiguous runs 0–9; find where this run block starts.
  let start = cp;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/**
 * Python's first step when parsing number text: Unicode whitespace becomes a space, Unicode
 * decimal digits become ASCII digits, any other non-ASCII character makes the text invalid.
 */
function toAsciiNumberText(text: string): string | null {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text;
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) out += ch;
    else if (isPythonSpace(cp)) out += " ";
    else {
      const d = decimalDigitValue(cp);
      if (d < 0) return null;
      out += String(d);
    }
  }
  return out;
}

/** Python's `int()` limit on decimal digits (`sys.int_info.default_max_str_digits`). */
export const MAX_DECIMAL_DIGITS = 4300;

const INT_BODY: Record<number, RegExp> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};
const INT_PREFIX: Record<number, string> = { 2: "b", 8: "o", 16: "x" };
const BIGINT_PREFIX: Record<number, string> = { 2: "0b", 8: "0o", 10: "", 16: "0x" };

/**
 * Python's `int(text, base)` for text without underscores: surrounding whitespace, a sign and (for
 * bases 2, 8, 16) a matching prefix are allowed. Returns null where Python raises ValueError,
 * including decimal text longer than {@link MAX_DECIMAL_DIGITS} digits.
 */
export function pythonInt(text: string, base: 2 | 8 | 10 | 16): bigint | null {
  const ascii = toAsciiNumberText(text);
  if (ascii === null) return null;
  let s = ascii.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "");
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  const prefix = INT_PREFIX[base];
  if (prefix !== undefined && s.length >= 2 && s[0] === "0" && s[1]?.toLowerCase() === prefix) {
    s = s.slice(2);
  }
  if (!(INT_BODY[base] as RegExp).test(s)) return null;
  if (base === 10 && s.length > MAX_DECIMAL_DIGITS) return null;
  const value = BigInt((BIGINT_PREFIX[base] as string) + s);
  return negative ? -value : value;
}

const FLOAT_TEXT = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)$/i;

/** Python's `float(text)` for text without underscores; null where Python raises ValueError. */
export function pythonFloat(text: string): number | null {
  const ascii = toAsciiNumberText(text);
  if (ascii === null) return null;
  const s = ascii.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "");
  if (!FLOAT_TEXT.test(s)) return null;
  const lower = s.toLowerCase();
  const negative = lower.startsWith("-");
  const body = lower.replace(/^[+-]/, "");
  if (body === "nan") return NaN;
  if (body === "inf" || body === "infinity") return negative ? -Infinity : Infinity;
  return Number(s);
}

/**
 * The YAML 1.1 integer constructor of the reference applied to scalar text (`0b`, `0x`, leading
 * `0` octal, base 60, underscores ignored). Returns null where the reference fails.
 */
export function constructYamlInt(text: string): bigint | null {
  if (isPlainDecimal(text)) return BigInt(text);
  let v = text.replaceAll("_", "");
  if (v.length === 0) return null;
  const sign = v[0] === "-" ? -1n : 1n;
  if (v[0] === "+" || v[0] === "-") v = v.slice(1);
  let magnitude: bigint | null;
  if (v === "0") return 0n;
  if (v.startsWith("0b")) magnitude = pythonInt(v.slice(2), 2);
  else if (v.startsWith("0x")) magnitude = pythonInt(v.slice(2), 16);
  else if (v.length === 0) return null;
  else if (v[0] === "0") magnitude = pythonInt(v, 8);
  else if (v.includes(":")) {
    magnitude = 0n;
    let base = 1n;
    const parts = v.split(":").reverse();
    for (const part of parts) {
      const digit = pythonInt(part, 10);
      if (digit === null) return null;
      magnitude += digit * base;
      base *= 60n;
    }
  } else magnitude = pythonInt(v, 10);
  return magnitude === null ? null : sign * magnitude;
}

const PLAIN_DECIMAL = /^[-+]?[1-9][0-9]*$/;

/** `[-+]?[1-9][0-9]*` of at most 4300 digits: the common case, read without the general path. */
function isPlainDecimal(text: string): boolean {
  const sign = text.charCodeAt(0) === 0x2b || text.charCodeAt(0) === 0x2d ? 1 : 0;
  return text.length - sign <= MAX_DECIMAL_DIGITS && PLAIN_DECIMAL.test(text);
}

const SIMPLE_FLOAT = /^[-+]?[0-9]+\.[0-9]*$/;

/**
 * The YAML 1.1 float constructor of the reference applied to scalar text (`.inf`, `.nan`, base
 * 60, underscores ignored, case-insensitive). Returns null where the reference fails.
 */
export function constructYamlFloat(text: string): number | null {
  // The common `[-+]digits.digits` needs none of the steps below: `Number` reads it as Python's
  // `float` does, sign and all (the sign of a zero included).
  if (SIMPLE_FLOAT.test(text)) return Number(text);
  let v = text.replaceAll("_", "").toLowerCase();
  if (v.length === 0) return null;
  const sign = v[0] === "-" ? -1 : 1;
  if (v[0] === "+" || v[0] === "-") v = v.slice(1);
  if (v === ".inf") return sign * Infinity;
  if (v === ".nan") return NaN;
  if (v.includes(":")) {
    let value = 0;
    let base = 1n;
    const parts = v.split(":").reverse();
    for (const part of parts) {
      const digit = pythonFloat(part);
      if (digit === null) return null;
      // Python multiplies by an exact integer, converted to the nearest double.
      const weight = Number(base);
      if (weight === Infinity) return null;
      value += digit * weight;
      base *= 60n;
    }
    return sign * value;
  }
  const value = pythonFloat(v);
  return value === null ? null : sign * value;
}
