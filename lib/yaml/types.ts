/**
 * The value model shared by the YAML loader, the YAML emitter and the JSON reader.
 *
 * | YAML | JavaScript |
 * |---|---|
 * | mapping | {@link YamlMap} (ordered; keys compared as the reference's dictionaries do) |
 * | sequence | `Array` |
 * | integer | `bigint` (exact) |
 * | float | `number` (so `25.0` stays a float: `25`, emitted `25.0`) |
 * | bool, null, string | `boolean`, `null`, `string` |
 * | timestamp, `!!binary`, `!!set`, `!!omap`/`!!pairs` | {@link YamlTimestamp}, {@link YamlBinary}, {@link YamlSet}, {@link YamlPairs} |
 *
 * A collection reached through an alias (or copied in by a merge key) is the same object.
 *
 * @module
 */

import { formatFloat } from "./number.ts";

/** A scalar: the values that can be mapping keys and set members. */
export type YamlKey = string | bigint | number | boolean | null | YamlTimestamp | YamlBinary;

/** Any value of the model. */
export type YamlValue = YamlKey | YamlValue[] | YamlMap | YamlSet | YamlPairs;

/** One mapping entry. */
export type YamlEntry = readonly [key: YamlKey, value: YamlValue];

/**
 * A YAML timestamp (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`), kept with its source text.
 * Fields follow the reference's date/datetime reading: fractions are truncated to microseconds.
 */
export class YamlTimestamp {
  /** The scalar text as written. */
  readonly text: string;
  /** Calendar year (1–9999). */
  readonly year: number;
  /** Month (1–12). */
  readonly month: number;
  /** Day of the month. */
  readonly day: number;
  /** Time of day, or null for a plain date. */
  readonly time: {
    readonly hour: number;
    readonly minute: number;
    readonly second: number;
    readonly microsecond: number;
    /** Offset from UTC in minutes (`Z` is 0), or null when no zone is written (naive). */
    readonly offsetMinutes: number | null;
  } | null;

  private constructor(text: string, year: number, month: number, day: number, time: YamlTimestamp["time"]) {
    this.text = text;
    this.year = year;
    this.month = month;
    this.day = day;
    this.time = time;
  }

  /**
   * Reads timestamp text as the reference's constructor does; null when the text is not a
   * timestamp or names an impossible date, time or zone.
   *
   * @example
   * ```ts
   * import { YamlTimestamp } from "./types.ts";
   * console.assert(YamlTimestamp.parse("2001-12-14")?.time === null);
   * console.assert(YamlTimestamp.parse("2001-13-01") === null);
   * ```
   */
  static parse(text: string): YamlTimestamp | null {
    const m = matchPython(TIMESTAMP_FIELDS, text);
    if (m === null) return null;
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    if (m[4] === undefined || m[4] === "") return new YamlTimestamp(text, year, month, day, null);
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = Number(m[6]);
    if (hour > 23 || minute > 59 || second > 59) return null;
    const microsecond = m[7] ? Number(m[7].slice(0, 6).padEnd(6, "0")) : 0;
    let offsetMinutes: number | null = null;
    if (m[9] !== undefined) {
      const minutes = Number(m[10]) * 60 + Number(m[11] ?? "0");
      if (minutes >= 24 * 60) return null;
      offsetMinutes = m[9] === "-" ? -minutes : minutes;
    } else if (m[8] !== undefined) offsetMinutes = 0;
    return new YamlTimestamp(text, year, month, day, { hour, minute, second, microsecond, offsetMinutes });
  }

  /**
   * Identity for key comparison, as the reference compares dates and datetimes: dates by day,
   * naive datetimes by their fields, zoned datetimes by the instant they denote.
   */
  equalityKey(): string {
    const t = this.time;
    if (t === null) return `d${this.year}-${this.month}-${this.day}`;
    const days = daysFromCivil(this.year, this.month, this.day);
    const micros = ((BigInt(days) * 24n + BigInt(t.hour)) * 60n + BigInt(t.minute)) * 60_000_000n +
      BigInt(t.second) * 1_000_000n + BigInt(t.microsecond);
    if (t.offsetMinutes === null) return `n${micros}`;
    return `a${micros - BigInt(t.offsetMinutes) * 60_000_000n}`;
  }
}

/** Raw bytes of a `!!binary` scalar. */
export class YamlBinary {
  /** The decoded bytes. */
  readonly bytes: Uint8Array;
  /** Wraps decoded bytes. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/** A `!!set`: its members in document order, without repeats. */
export class YamlSet {
  /** The members. */
  readonly members: YamlKey[];
  /** Wraps members (the caller guarantees they are distinct). */
  constructor(members: YamlKey[] = []) {
    this.members = members;
  }
}

/** A `!!omap` or `!!pairs`: an ordered list of key/value pairs, repeats allowed. */
export class YamlPairs {
  /** Which of the two tags was written. */
  readonly tag: "omap" | "pairs";
  /** The pairs in document order. */
  readonly pairs: [YamlKey, YamlValue][];
  /** Wraps pairs. */
  constructor(tag: "omap" | "pairs", pairs: [YamlKey, YamlValue][] = []) {
    this.tag = tag;
    this.pairs = pairs;
  }
}

/** Maps with at most this many entries find string keys by searching their entries. */
const SMALL_MAP = 8;

/**
 * An ordered mapping. Keys are compared as the reference's dictionaries compare them: numerically
 * equal numbers are the same key (`1`, `1.0` and `true`), strings by content. Assigning an
 * existing key keeps its position and its first key object.
 *
 * @example
 * ```ts
 * import { YamlMap } from "./types.ts";
 * const m = new YamlMap([["b", 1n], [1n, "x"]]);
 * m.set(1, "y"); // the float 1.0 equals the integer key 1
 * console.assert(m.size === 2 && m.get(1n) === "y" && m.entries()[1]?.[0] === 1n);
 * ```
 */
export class YamlMap {
  #entries: [YamlKey, YamlValue][] = [];
  /**
   * Position of each string key, built once the map outgrows {@link SMALL_MAP}: most maps are
   * smaller, and searching a few entries costs less than building and hashing into a `Map`.
   */
  #strings: Map<string, number> | null = null;
  /** Position of each other key, by {@link keyIdentity}; created on first use (most maps have none). */
  #others: Map<string, number> | null = null;

  /** Builds a map from entries, later repeats overwriting earlier ones. */
  constructor(entries?: Iterable<readonly [YamlKey, YamlValue]>) {
    if (entries) { for (const [k, v] of entries) this.set(k, v); }
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.length;
  }

  #position(key: YamlKey): number | undefined {
    if (typeof key !== "string") {
      return this.#others === null ? undefined : this.#others.get(keyIdentity(key));
    }
    if (this.#strings !== null) return this.#strings.get(key);
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      if ((entries[i] as YamlEntry)[0] === key) return i;
    }
    return undefined;
  }

  /** The value stored under `key`, or undefined. */
  get(key: YamlKey): YamlValue | undefined {
    const i = this.#position(key);
    return i === undefined ? undefined : this.#entries[i]?.[1];
  }

  /** Whether `key` is present. */
  has(key: YamlKey): boolean {
    return this.#position(key) !== undefined;
  }

  /** Sets `key`; an existing key keeps its position (and key object), a new one is appended. */
  set(key: YamlKey, value: YamlValue): this {
    const i = this.#position(key);
    if (i === undefined) this.#append(key, value);
    else (this.#entries[i] as [YamlKey, YamlValue])[1] = value;
    return this;
  }

  /** Appends an entry for a key not present yet, indexing it. */
  #append(key: YamlKey, value: YamlValue): void {
    const entries = this.#entries;
    const i = entries.length;
    entries.push([key, value]);
    if (typeof key !== "string") (this.#others ??= new Map()).set(keyIdentity(key), i);
    else if (this.#strings !== null) this.#strings.set(key, i);
    else if (entries.length > SMALL_MAP) this.#reindex();
  }

  /** Rebuilds the key indexes from the entries. */
  #reindex(): void {
    const entries = this.#entries;
    const strings = entries.length > SMALL_MAP ? new Map<string, number>() : null;
    let others: Map<string, number> | null = null;
    for (let j = 0; j < entries.length; j++) {
      const k = (entries[j] as YamlEntry)[0];
      if (typeof k !== "string") (others ??= new Map()).set(keyIdentity(k), j);
      else if (strings !== null) strings.set(k, j);
    }
    this.#strings = strings;
    this.#others = others;
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: YamlKey): boolean {
    const i = this.#position(key);
    if (i === undefined) return false;
    this.#entries.splice(i, 1);
    this.#reindex();
    return true;
  }

  /** The entries in order (a live view: do not modify it, use {@link YamlMap.set}). */
  entries(): readonly YamlEntry[] {
    return this.#entries;
  }

  /** The keys in order. */
  keys(): YamlKey[] {
    return this.#entries.map((e) => e[0]);
  }

  /** The values in order. */
  values(): YamlValue[] {
    return this.#entries.map((e) => e[1]);
  }

  /** Iterates the entries in order. */
  [Symbol.iterator](): IterableIterator<YamlEntry> {
    return this.#entries[Symbol.iterator]();
  }

  /** The key-path text of a key (§0); same as {@link keyText}. */
  static keyText(key: YamlKey): string {
    return keyText(key);
  }
}

/**
 * The text a key contributes to a key path (§0): a string as is; an integer, float, boolean or
 * null as the emitter writes it (`1`, `1.5`, `true`, `null`); a timestamp as written; binary
 * data as base64.
 *
 * @example
 * ```ts
 * import { keyText } from "./types.ts";
 * console.assert(keyText(25) === "25.0" && keyText(7n) === "7" && keyText(null) === "null");
 * ```
 */
export function keyText(key: YamlKey): string {
  switch (typeof key) {
    case "string":
      return key;
    case "bigint":
      return key.toString();
    case "number":
      return formatFloat(key);
    case "boolean":
      return key ? "true" : "false";
  }
  if (key === null) return "null";
  if (key instanceof YamlTimestamp) return key.text;
  return base64(key.bytes);
}

/**
 * The identity under which a key is stored: equal identities are the same key. Numbers, booleans
 * and integers compare by numeric value (the reference's `1 == 1.0 == True`).
 */
export function keyIdentity(key: YamlKey): string {
  switch (typeof key) {
    case "string":
      return "s" + key;
    case "bigint":
      return "n" + key.toString();
    case "boolean":
      return key ? "n1" : "n0";
    case "number":
      if (Number.isNaN(key)) return "nan";
      if (Number.isInteger(key)) return "n" + BigInt(key).toString();
      return "f" + String(key);
  }
  if (key === null) return "z";
  if (key instanceof YamlTimestamp) return "t" + key.equalityKey();
  let hex = "b";
  for (const b of key.bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding, no line breaks. */
export function base64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >> 18) & 63] as string;
    out += B64[(n >> 12) & 63] as string;
    out += b === undefined ? "=" : B64[(n >> 6) & 63] as string;
    out += c === undefined ? "=" : B64[n & 63] as string;
  }
  return out;
}

/** Fields of a timestamp as the reference's constructor splits them. */
const TIMESTAMP_FIELDS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/**
 * Matches like Python's `re.match(r"^…$", text)`, whose `$` also matches just before a final
 * line feed.
 */
export function matchPython(pattern: RegExp, text: string): RegExpExecArray | null {
  return pattern.exec(text) ?? (text.endsWith("\n") ? pattern.exec(text.slice(0, -1)) : null);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
